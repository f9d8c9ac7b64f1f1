/**
 * The local cloud holds the deployer state machine's Task integrations to
 * its role's grants. A file of its own: the deployer's Lambdas are loaded
 * once per process, so one local deployer per test file.
 */
import * as fs from 'node:fs';
import { E2e } from './harness';
import { withoutGrant } from './without-grant';

describe('a deployer whose state machine may not invoke a Lambda, on the local cloud', () => {
  let e2e: E2e;
  let cdkOut: string;

  beforeAll(async () => {
    cdkOut = withoutGrant('state machine', 'lambda:InvokeFunction', 'DeployerFunctionscheckalarms');
    e2e = await E2e.start({ cdkOut });
  });

  afterAll(async () => {
    await e2e?.stop();
    if (cdkOut) fs.rmSync(cdkOut, { recursive: true, force: true });
  });

  it('fails the deployment at its first alarm check', async () => {
    // Arrange
    const target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
    const alarm = await e2e.createQuietAlarm();
    await e2e.waitForAlarmsOk(alarm);

    // Act
    const run = await e2e.deploy({
      stateMachine: target.name,
      alias: 'live',
      strategy: 'canary',
      increment: 10,
      intervalSeconds: 300,
      alarmPollingSeconds: 60,
      alarms: [alarm],
    });

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.cause).toMatch(
      /assumed-role\/SfnDeployer-DeployerStateMachineRole[0-9A-F]{8}\/[0-9a-f]{32} is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:123456789012:function:sfn-deployer-check-alarms because no identity-based policy allows the lambda:InvokeFunction action/,
    );
  });
});
