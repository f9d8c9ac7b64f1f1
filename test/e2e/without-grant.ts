/**
 * A copy of the synthesized deployer with one grant taken away, to show the
 * local cloud holds the deployer to its grants.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEPLOYER_STACK } from '../../local/deployer/assembly';
import { CDK_OUT } from '../../local/deployer/synth';

type Statement = { Action: string | string[]; Resource?: unknown; [key: string]: unknown };
type Template = {
  Resources: Record<
    string,
    { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
};

/** Whose role loses the grant: a deployer Lambda (by step) or the deployer state machine. */
export type Grantee = { step: string } | 'state machine';

/**
 * A copy of cdk.out without `action` (on resources that mention `onResource`,
 * if given) in the policy of `grantee`'s role. Its assets link to cdk.out's,
 * whose bundles resolve the SDK from the project's node_modules.
 */
export function withoutGrant(grantee: Grantee, action: string, onResource?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk.out-'));
  for (const entry of fs.readdirSync(CDK_OUT)) {
    const source = path.join(CDK_OUT, entry);
    if (entry.startsWith('asset.')) fs.symlinkSync(source, path.join(dir, entry));
    else if (fs.statSync(source).isFile()) fs.copyFileSync(source, path.join(dir, entry));
  }
  const file = path.join(dir, `${DEPLOYER_STACK}.template.json`);
  const template = JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
  const owner = Object.values(template.Resources).find((resource) =>
    grantee === 'state machine'
      ? resource.Type === 'AWS::StepFunctions::StateMachine'
      : resource.Type === 'AWS::Lambda::Function' &&
        String(resource.Metadata?.['aws:cdk:path']).includes(`/Functions/${grantee.step}/`),
  );
  const roleArn = owner?.Properties.Role ?? owner?.Properties.RoleArn;
  const role = (roleArn as { 'Fn::GetAtt': [string, string] } | undefined)?.['Fn::GetAtt'][0];
  const policies = Object.values(template.Resources).filter(
    (resource) =>
      resource.Type === 'AWS::IAM::Policy' &&
      (resource.Properties.Roles as { Ref?: string }[]).some((attached) => attached.Ref === role),
  );
  if (policies.length !== 1)
    throw new Error(`Expected one policy for ${JSON.stringify(grantee)}, found ${policies.length}`);
  const document = policies[0]!.Properties.PolicyDocument as { Statement: Statement[] };
  let removed = 0;
  document.Statement = document.Statement.flatMap((statement) => {
    const actions = [statement.Action].flat();
    const matches = onResource === undefined || JSON.stringify(statement.Resource).includes(onResource);
    if (!matches || !actions.includes(action)) return [statement];
    removed += 1;
    const kept = actions.filter((granted) => granted !== action);
    return kept.length === 0 ? [] : [{ ...statement, Action: kept }];
  });
  if (removed === 0) throw new Error(`${JSON.stringify(grantee)}'s role has no grant of ${action} to remove`);
  fs.writeFileSync(file, JSON.stringify(template));
  return dir;
}
