/**
 * What `npm run local` prints while it serves, read from the events the
 * local cloud sends: a deployment's start, each alias change and its end.
 */
import { progressLine } from '../../local/deployer/progress';
import { E2e } from './harness';

describe('the progress npm run local prints', () => {
  let e2e: E2e;

  beforeAll(async () => {
    e2e = await E2e.start();
  });

  afterAll(async () => {
    await e2e.stop();
  });

  it('shows a deployment start, each shift and its outcome, in order, in virtual time', async () => {
    const lines: string[] = [];
    const stop = e2e.deployer.cloud.events.subscribe((event) => {
      const line = progressLine(event, e2e.deployer.deployerArn);
      if (line) lines.push(line);
    });
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });

    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
    });
    await e2e.deployer.cloud.events.idle();
    stop();

    const name = run.executionArn.split(':').at(-1);
    const at = (seconds: number) =>
      new Date(run.startedAt + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
    expect(lines).toEqual([
      `${at(0)}  deployment ${name} started`,
      `${at(0)}  alias ${target.name}:live → ${target.name}:2 10%, ${target.name}:1 90%`,
      `${at(300)}  alias ${target.name}:live → ${target.name}:2 100%`,
      expect.stringMatching(
        new RegExp(`^${at(300).slice(0, 16)}:\\d\\d  deployment ${name} succeeded: PROMOTED$`),
      ),
    ]);
  });
});
