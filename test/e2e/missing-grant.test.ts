/**
 * The local cloud holds the deployer to the grants it was synthesized with:
 * the same deployer with one grant removed from its template fails the
 * deployment that needs it, with IAM's AccessDeniedException, as on AWS.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CDK_OUT } from '../../local/deployer/synth';
import { DEPLOYER_STACK } from '../../local/deployer/assembly';
import { allTo, E2e } from './harness';

type Statement = { Action: string | string[]; [key: string]: unknown };
type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> };

/**
 * A copy of cdk.out without `action` in the policy of the Lambda whose CDK
 * path has `/Functions/<step>/`. Its assets link to cdk.out's, whose bundles
 * resolve the SDK from the project's node_modules.
 */
function withoutGrant(step: string, action: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk.out-'));
  for (const entry of fs.readdirSync(CDK_OUT)) {
    const source = path.join(CDK_OUT, entry);
    if (entry.startsWith('asset.')) fs.symlinkSync(source, path.join(dir, entry));
    else if (fs.statSync(source).isFile()) fs.copyFileSync(source, path.join(dir, entry));
  }
  const file = path.join(dir, `${DEPLOYER_STACK}.template.json`);
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
  const fn = Object.values(template.Resources).find(
    (resource) => resource.Type === 'AWS::Lambda::Function' && String(resource.Metadata?.['aws:cdk:path']).includes(`/Functions/${step}/`),
  );
  const role = (fn?.Properties.Role as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
  const policies = Object.values(template.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' && (resource.Properties.Roles as { Ref?: string }[]).some((attached) => attached.Ref === role),
  );
  if (policies.length !== 1) throw new Error(`Expected one policy for ${step}, found ${policies.length}`);
  const document = policies[0]!.Properties.PolicyDocument as { Statement: Statement[] };
  let removed = 0;
  for (const statement of document.Statement) {
    const actions = [statement.Action].flat();
    if (actions.includes(action)) {
      statement.Action = actions.filter((granted) => granted !== action);
      removed += 1;
    }
  }
  if (removed === 0) throw new Error(`${step}'s role has no grant of ${action} to remove`);
  fs.writeFileSync(file, JSON.stringify(template));
  return dir;
}

describe('a deployer missing a grant, on the local cloud', () => {
  let e2e: E2e;
  let cdkOut: string;

  beforeAll(async () => {
    cdkOut = withoutGrant('shift-weight', 'states:UpdateStateMachineAlias');
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
