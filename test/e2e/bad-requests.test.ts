import { E2e, type Target } from './harness';

/** Step Functions operations that change a state machine, its versions or its aliases. */
const WRITES = [
  'UpdateStateMachine',
  'PublishStateMachineVersion',
  'DeleteStateMachineVersion',
  'CreateStateMachineAlias',
  'UpdateStateMachineAlias',
  'DeleteStateMachineAlias',
];

describe('bad deploy requests on the local cloud', () => {
  let e2e: E2e;
  let target: Target;

  beforeAll(async () => {
    e2e = await E2e.start();
    target = await e2e.createTarget({ versions: 2, aliases: { live: 1 } });
  });

  afterAll(async () => {
    await e2e.stop();
  });

  const writes = () => WRITES.map((operation) => e2e.deployer.cloud.calls.count(operation));

  /**
   * Deploys the request and checks that the target came out exactly as it went in, and that no
   * write call reached Step Functions except the rejected ones named.
   */
  async function deployUntouched(request: Record<string, unknown>, rejectedWrites: string[] = []) {
    const before = await e2e.snapshot(target, ['live']);
    const writesBefore = writes();
    const run = await e2e.deploy(request);
    expect(await e2e.snapshot(target, ['live'])).toEqual(before);
    expect(writes()).toEqual(
      writesBefore.map((count, i) => count + rejectedWrites.filter((op) => op === WRITES[i]).length),
    );
    expect(run.aliasWrites).toEqual([]);
    return run;
  }

  it('fails when fields are out of range or of the wrong type, naming each of them', async () => {
    // Arrange
    const request = {
      stateMachine: target.name,
      alias: 'live',
      strategy: 'sideways',
      increment: 0,
      intervalSeconds: -5,
      alarmPollingSeconds: 'often',
      historyMax: 1,
      force: 'yes',
    };

    // Act
    const run = await deployUntouched(request);

    // Assert
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain(
      `strategy must be one of canary, linear, allAtOnce or CodeDeploy's Canary10Percent5Minutes, Canary10Percent10Minutes, Canary10Percent15Minutes, Canary10Percent30Minutes, Linear10PercentEvery1Minute, Linear10PercentEvery2Minutes, Linear10PercentEvery3Minutes, Linear10PercentEvery10Minutes, AllAtOnce (also written CodeDeployDefault.Lambda<name>), got: "sideways"`,
    );
    expect(run.cause).toContain('increment must be an integer between 1 and 100, got: 0');
    expect(run.cause).toContain('intervalSeconds must be an integer between 1 and 31536000, got: -5');
    expect(run.cause).toContain(
      'alarmPollingSeconds must be an integer between 1 and 31536000, got: "often"',
    );
    expect(run.cause).toContain('historyMax must be 0 (never prune) or at least 2');
    expect(run.cause).toContain('force must be true or false, got: "yes"');
  });

  it('fails when the request has an unknown field, naming it', async () => {
    const run = await deployUntouched({ stateMachine: target.name, alias: 'live', colour: 'blue' });

    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain('unknown fields "colour"');
  });

  it('fails when required fields are missing or malformed, naming each of them', async () => {
    const run = await deployUntouched({ stateMachine: 'orders/with/slashes', alarms: ['a', 'a'] });

    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain('stateMachine must be a state machine name');
    expect(run.cause).toContain('alias must be an alias name, got: nothing');
    expect(run.cause).toContain('alarms must not name an alarm twice');
  });

  it('fails when a version to deploy is combined with a definition to publish', async () => {
    const run = await deployUntouched({
      stateMachine: target.name,
      alias: 'live',
      version: 2,
      definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    });

    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain('version cannot be combined with definition or publishRevision');
  });

  it('fails when Step Functions rejects the definition, without a new revision or version', async () => {
    // The schema checks the shape; only Step Functions can judge the states, so the upload is tried and refused.
    const run = await deployUntouched(
      {
        stateMachine: target.name,
        alias: 'live',
        definition: { StartAt: 'Missing', States: { Done: { Type: 'Succeed' } } },
      },
      ['UpdateStateMachine'],
    );

    expect(run.error).toBe('InvalidDeployRequest');
    expect(run.cause).toContain('definition was rejected by Step Functions');
  });

  it('fails when an alarm to watch does not exist, naming it', async () => {
    const run = await deployUntouched({
      stateMachine: target.name,
      alias: 'live',
      alarms: ['no-such-alarm'],
    });

    expect(run.error).toBe('AlarmNotFound');
    expect(run.cause).toContain('no-such-alarm');
  });
});
