/**
 * Reads the deployer exactly as `cdk synth` wrote it: the state machine
 * definition from the template (with its CloudFormation references resolved
 * for one partition, region and account) and each Lambda's bundled asset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { signalFunctionName } from '../../lambda/shared/arns';
import { DEPLOYER_FUNCTIONS, type DeployerFunctionName } from '../../lambda/shared/functions';

/** The name the local cloud gives the deployer state machine it loads. */
export const DEPLOYER_NAME = 'sfn-deployer';

export const DEPLOYER_STACK = 'SfnDeployer';

export interface AwsScope {
  partition: string;
  region: string;
  account: string;
}

export interface DeployerFunctionAsset {
  step: DeployerFunctionName;
  logicalId: string;
  functionArn: string;
  /** Folder of the bundled code, when the template was synthesized with bundling. */
  assetDir?: string;
  /** `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The function's environment variables as the template sets them. */
  environment: Record<string, string>;
}

export interface DeployerAssembly {
  definition: StateMachineDefinition;
  functions: DeployerFunctionAsset[];
  /** DynamoDB tables of the stack, named locally by their logical id. */
  tables: DeployerTable[];
}

export interface DeployerTable {
  logicalId: string;
  /** The `AWS::DynamoDB::Table` properties, as CreateTable takes most of them. */
  properties: Record<string, unknown>;
}

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, Record<string, unknown> & { Type: string }>;
  [key: string]: unknown;
}

interface Template {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
  >;
}

export function readTemplate(cdkOutDir: string, stackName = DEPLOYER_STACK): Template {
  const file = path.join(cdkOutDir, `${stackName}.template.json`);
  if (!fs.existsSync(file))
    throw new Error(`No synthesized deployer at ${file}: run \`npx cdk synth\` first`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
}

/** The deployer in a template: its definition with references resolved, and its Lambdas. */
export function deployerFromTemplate(
  template: Template,
  scope: AwsScope,
  cdkOutDir?: string,
): DeployerAssembly {
  const tables = Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, resource]) => ({ logicalId, properties: resource.Properties ?? {} }));
  const functions = deployerFunctions(
    template,
    scope,
    cdkOutDir,
    new Set(tables.map((table) => table.logicalId)),
  );
  const arnOf = new Map(functions.map((fn) => [fn.logicalId, fn.functionArn]));
  const machines = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  if (machines.length !== 1)
    throw new Error(`Expected one deployer state machine in the template, found ${machines.length}`);
  const body = machines[0]!.Properties?.DefinitionString;
  // Tables are named locally by their logical id (see the `tables` of the assembly).
  for (const table of tables) arnOf.set(`Ref:${table.logicalId}`, table.logicalId);
  const text = resolve(body, scope, arnOf);
  return { definition: JSON.parse(text) as StateMachineDefinition, functions, tables };
}

function deployerFunctions(
  template: Template,
  scope: AwsScope,
  cdkOutDir: string | undefined,
  tableIds: Set<string>,
): DeployerFunctionAsset[] {
  const found: DeployerFunctionAsset[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const cdkPath = String(resource.Metadata?.['aws:cdk:path'] ?? '');
    const step = DEPLOYER_FUNCTIONS.find((name) => cdkPath.includes(`/Functions/${name}/`));
    if (!step) continue;
    const asset = resource.Metadata?.['aws:asset:path'];
    found.push({
      step,
      logicalId,
      functionArn: `arn:${scope.partition}:lambda:${scope.region}:${scope.account}:function:${localFunctionName(step)}`,
      assetDir: cdkOutDir && typeof asset === 'string' ? path.join(cdkOutDir, asset) : undefined,
      handler: String(resource.Properties?.Handler ?? 'index.handler'),
      timeoutSeconds: Number(resource.Properties?.Timeout ?? 3),
      memoryMb: Number(resource.Properties?.MemorySize ?? 128),
      environment: resolveEnvironment(
        (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)
          ?.Variables ?? {},
        tableIds,
      ),
    });
  }
  return found;
}

/** Locally every Lambda is named after the deployer; the signal function as on AWS, so `sfn-deploy` finds it. */
export function localFunctionName(step: DeployerFunctionName): string {
  return step === 'signal-deployment' ? signalFunctionName(DEPLOYER_NAME) : `${DEPLOYER_NAME}-${step}`;
}

/** Environment values are strings, or a `Ref` to a table of the stack, whose local name is its logical id. */
function resolveEnvironment(
  variables: Record<string, unknown>,
  tableIds: Set<string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([key, value]) => {
      if (typeof value === 'string') return [key, value];
      const ref = (value as { Ref?: string }).Ref;
      if (ref && tableIds.has(ref)) return [key, ref];
      throw new Error(
        `Cannot resolve environment variable ${key} = ${JSON.stringify(value)} of a deployer Lambda`,
      );
    }),
  );
}

/** Resolves the `Fn::Join`, `Ref` and `Fn::GetAtt` a CDK definition string is made of. */
function resolve(value: unknown, scope: AwsScope, arnOf: Map<string, string>): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => resolve(part, scope, arnOf)).join(separator);
    }
    if ('Ref' in node) {
      const pseudo: Record<string, string> = {
        'AWS::Partition': scope.partition,
        'AWS::Region': scope.region,
        'AWS::AccountId': scope.account,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      const ref = String(node.Ref);
      if (ref in pseudo) return pseudo[ref]!;
      const local = arnOf.get(`Ref:${ref}`);
      if (local) return local;
    }
    if ('Fn::GetAtt' in node) {
      const [logicalId, attribute] = node['Fn::GetAtt'] as [string, string];
      const arn = arnOf.get(logicalId);
      if (arn && attribute === 'Arn') return arn;
    }
  }
  throw new Error(`Cannot resolve ${JSON.stringify(value)} in the deployer definition`);
}
