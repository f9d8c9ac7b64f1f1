/**
 * The local cloud holds the deployer's Lambdas to the grants they were
 * synthesized with: the same deployer with one grant removed from a Lambda's
 * role fails the deployment that needs it, with IAM's AccessDeniedException, as on AWS.
 */
import * as fs from 'node:fs';
import { allTo, E2e } from './harness';
import { withoutGrant } from './without-grant';

describe('a deployer missing a grant, on the local cloud', () => {
  let e2e: E2e;
  let cdkOut: string;

  beforeAll(async () => {
    cdkOut = withoutGrant({ step: 'shift-weight' }, 'states:UpdateStateMachineAlias');
    e2e = await E2e.start({ cdkOut });
  });

  afterAll(async () => {
    await e2e?.stop();
    if (cdkOut) fs.rmSync(cdkOut, { recursive: true, force: true });
  });

  it('fails a canary when shift-weight may not update the alias', async () => {
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
    expect(run.error).toBe('DeploymentRolledBack');
    expect(run.cause).toMatch(
      new RegExp(
        'AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/' +
          'SfnDeployer-DeployerFunctionsshiftweightServiceRole[0-9A-F]{8}/sfn-deployer-shift-weight ' +
          `is not authorized to perform: states:UpdateStateMachineAlias on resource: ${target.arn} ` +
          'because no identity-based policy allows the states:UpdateStateMachineAlias action',
      ),
    );
    // The rollback Lambda has its own grant: the alias is back on the old version.
    expect(await e2e.routing(target.aliasArn('live'))).toEqual(allTo(target.versionArn(1)));
  });
});
