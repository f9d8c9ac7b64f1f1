/**
 * The deployer on the local cloud, exactly as synthesized: the state machine
 * definition from `cdk.out` and each Lambda's esbuild bundle, run in-process
 * with the AWS SDK pointed at the local cloud.
 */
import * as path from 'node:path';
import { type CreateTableCommandInput, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LocalCloud, type LocalCloudOptions, type LambdaHandler } from '..';
import { type DeployerAssembly, DEPLOYER_NAME, deployerFromTemplate, readTemplate } from './assembly';
import { CDK_OUT, ensureSynthesized, TRIGGERS_ASSEMBLY } from './synth';
import { rolePoliciesFromTemplate } from '../iam/template-policies';
import { progressLine } from './progress';
import { installInProcessHandler } from '../wire/in-process-handler';
import { functionRoleArn, installRules, installTriggers, localResolver, localRoleArn } from './triggers';

export { DEPLOYER_NAME };

export interface LocalDeployerOptions extends LocalCloudOptions {
  /** @default the project's cdk.out */
  readonly cdkOut?: string;
  /** Synthesize first when cdk.out is older than the sources. @default true */
  readonly synth?: boolean;
  /** Log level of the deployer's Lambdas (Powertools). @default 'WARN' */
  readonly lambdaLogLevel?: string;
  /**
   * Deploy on publish: load the deployer from the assembly synthesized with
   * `-c deployOnPublish=true` (`cdk.out.triggers/`, see `TRIGGERS_ASSEMBLY`) and its rules into the event bus.
   * @default false
   */
  readonly triggers?: boolean;
  /**
   * Load the stack's EventBridge rules into the event bus: the rule that
   * recovers a deployment whose execution ended holding its alias (stopped,
   * timed out) by invoking the rollback Lambda. Deploy on publish loads them regardless.
   * @default true
   */
  readonly rules?: boolean;
  /**
   * Run the stale-lock sweep on its schedule (every 5 minutes). Runs of a
   * virtual year turn it off: it would fire 105,000 times and prove nothing
   * about the continuation chain they measure.
   * @default true
   */
  readonly staleLockSweep?: boolean;
  /**
   * How the deployer's Lambdas reach the cloud: `in-process` hands their SDK clients' requests
   * to the server directly (no TCP, no HTTP parsing); `wire` sends them over loopback HTTP like
   * any other client. Outside clients always use the wire.
   * @default 'in-process'
   */
  readonly lambdaTransport?: 'in-process' | 'wire';
}

export interface LocalDeployer {
  readonly cloud: LocalCloud;
  readonly endpoint: string;
  readonly deployerArn: string;
  /** An SFN client for this cloud. */
  readonly sfn: SFNClient;
  stop(): Promise<void>;
}

/** Local credentials and region for SDK clients and the AWS CLI; the local cloud accepts any. */
export function localClientConfig(endpoint: string, region = 'us-east-1') {
  return { endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
}

/** Starts a local cloud and installs the deployer in it. */
export async function startLocalDeployer(options: LocalDeployerOptions = {}): Promise<LocalDeployer> {
  const cdkOut = options.cdkOut ?? (options.triggers ? TRIGGERS_ASSEMBLY.outDir : CDK_OUT);
  if (options.synth ?? true) ensureSynthesized(options.triggers ? { assembly: TRIGGERS_ASSEMBLY } : {});
  const cloud = await LocalCloud.start(options);
  try {
    const deployerArn = await installDeployer(
      cloud,
      cdkOut,
      options.lambdaLogLevel ?? 'WARN',
      options.lambdaTransport ?? 'in-process',
    );
    if (options.triggers) installTriggers(cloud, cdkOut, deployerArn);
    else if (options.rules ?? true) installRules(cloud, cdkOut, deployerArn);
    if (options.staleLockSweep === false) {
      for (const rule of cloud.events.listRules())
        if (rule.logicalId.includes('SweepStaleLocks')) cloud.events.setRuleEnabled(rule.logicalId, false);
    }
    const sfn = new SFNClient(localClientConfig(cloud.endpoint, cloud.region));
    return {
      cloud,
      endpoint: cloud.endpoint,
      deployerArn,
      sfn,
      stop: async () => {
        sfn.destroy();
        await cloud.stop();
      },
    };
  } catch (error) {
    await cloud.stop();
    throw error;
  }
}

/** `npm run local`'s loader: synthesizes if stale, installs the deployer and its recovery rule, and reports its ARN. */
export async function loadDeployer(cloud: LocalCloud): Promise<string[]> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  ensureSynthesized();
  const deployerArn = await installDeployer(cloud, CDK_OUT, process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN');
  installRules(cloud, CDK_OUT, deployerArn);
  logProgress(cloud, deployerArn);
  return [`deployer ${deployerArn}`];
}

/** `npm run local -- --deploy-on-publish`'s loader: the deployer and its deploy-on-publish rules. */
export async function loadDeployerWithTriggers(cloud: LocalCloud): Promise<string[]> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  ensureSynthesized({ assembly: TRIGGERS_ASSEMBLY });
  const cdkOut = TRIGGERS_ASSEMBLY.outDir;
  const deployerArn = await installDeployer(cloud, cdkOut, process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN');
  const rules = installTriggers(cloud, cdkOut, deployerArn);
  logProgress(cloud, deployerArn);
  return [`deployer ${deployerArn}`, ...rules.map((rule) => `rule ${rule.logicalId}`)];
}

/** Prints each deployment's start and end and each alias change as they happen (`npm run local`). */
function logProgress(cloud: LocalCloud, deployerArn: string): void {
  cloud.events.subscribe((event) => {
    const line = progressLine(event, deployerArn);
    if (line) console.log(line);
  });
}

/**
 * Registers the deployer's bundled Lambdas and creates its state machine; returns its ARN.
 * IAM is enforced for the stack's roles: each Lambda calls as its role, the
 * state machine's integrations as the state machine's role, rule targets as theirs.
 */
export async function installDeployer(
  cloud: LocalCloud,
  cdkOut: string,
  lambdaLogLevel: string,
  lambdaTransport: 'in-process' | 'wire' = 'in-process',
): Promise<string> {
  const scope = { partition: 'aws', region: cloud.region, account: cloud.accountId };
  const template = readTemplate(cdkOut);
  const assembly = deployerFromTemplate(template, scope, cdkOut);
  const deployerArn = `arn:${scope.partition}:states:${scope.region}:${scope.account}:stateMachine:${DEPLOYER_NAME}`;
  const policies = rolePoliciesFromTemplate(template, {
    reference: localResolver(template, scope, deployerArn),
    renamedStateMachines: { [deployerStateMachine(template).name]: DEPLOYER_NAME },
  });
  for (const [roleArn, documents] of policies) cloud.iam.set(roleArn, documents);
  await createTables(cloud, assembly);
  pointLambdasAt(cloud, assembly, lambdaLogLevel);
  // Before the bundles load: their clients take the handler when they are created.
  installInProcessHandler(cloud.server, lambdaTransport);
  for (const fn of assembly.functions) {
    cloud.registerLambda(fn.functionArn, loadHandler(fn.assetDir, fn.handler), {
      timeoutSeconds: fn.timeoutSeconds,
      memoryMb: fn.memoryMb,
      // The role its CloudTrail records name, as the deploy-on-publish rules resolve it.
      roleArn: functionRoleArn(template, fn.logicalId, scope),
    });
  }
  const sfn = new SFNClient(localClientConfig(cloud.endpoint, cloud.region));
  try {
    const created = await sfn.send(
      new CreateStateMachineCommand({
        name: DEPLOYER_NAME,
        definition: JSON.stringify(assembly.definition),
        roleArn: localRoleArn(scope, deployerStateMachine(template).roleLogicalId),
        type: 'STANDARD',
      }),
    );
    return created.stateMachineArn!;
  } finally {
    sfn.destroy();
  }
}

/**
 * The deployer state machine's name in the template (the local cloud creates
 * it as {@link DEPLOYER_NAME}) and its role's logical id.
 */
function deployerStateMachine(template: ReturnType<typeof readTemplate>): {
  name: string;
  roleLogicalId: string;
} {
  const machines = Object.values(template.Resources).filter(
    (resource) => resource.Type === 'AWS::StepFunctions::StateMachine',
  );
  const properties = machines[0]?.Properties ?? {};
  const role = (properties.RoleArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  if (machines.length !== 1 || typeof properties.StateMachineName !== 'string' || role === undefined) {
    throw new Error(
      'Expected one deployer state machine with a StateMachineName and RoleArn {Fn::GetAtt: [<role>, Arn]} in the template, ' +
        `got: ${JSON.stringify(machines.map((machine) => ({ StateMachineName: machine.Properties?.StateMachineName, RoleArn: machine.Properties?.RoleArn })))}`,
    );
  }
  return { name: properties.StateMachineName, roleLogicalId: role };
}

/** The stack's DynamoDB tables (the deployments lock and history), in the local cloud's dynalite. */
async function createTables(cloud: LocalCloud, assembly: DeployerAssembly): Promise<void> {
  if (assembly.tables.length === 0) return;
  await cloud.enableDynamoDb();
  const dynamo = new DynamoDBClient(localClientConfig(cloud.endpoint, cloud.region));
  try {
    for (const table of assembly.tables) {
      const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } =
        table.properties as Partial<CreateTableCommandInput>;
      await dynamo.send(
        new CreateTableCommand({
          TableName: table.logicalId,
          KeySchema,
          AttributeDefinitions,
          GlobalSecondaryIndexes,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    }
  } finally {
    dynamo.destroy();
  }
}

/**
 * The bundled Lambdas run in this process, so their environment is this
 * process's: the SDK's own `AWS_ENDPOINT_URL` points their clients at the
 * local cloud, and each function's template variables are set (their names
 * do not overlap). One local deployer per process at a time.
 */
function pointLambdasAt(cloud: LocalCloud, assembly: DeployerAssembly, lambdaLogLevel: string): void {
  for (const fn of assembly.functions) {
    for (const [key, value] of Object.entries(fn.environment)) {
      if (key !== 'NODE_OPTIONS') process.env[key] = value;
    }
  }
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: cloud.endpoint,
    AWS_REGION: cloud.region,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    POWERTOOLS_LOG_LEVEL: lambdaLogLevel,
  });
}

function loadHandler(assetDir: string | undefined, handler: string): LambdaHandler {
  if (!assetDir)
    throw new Error('The deployer in cdk.out has no bundled Lambda code: synthesize it with `npx cdk synth`');
  const [file, exportName] = handler.split('.') as [string, string];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(path.join(path.resolve(assetDir), `${file}.js`)) as Record<string, unknown>;
  const fn = module[exportName];
  if (typeof fn !== 'function') throw new Error(`${assetDir}/${file}.js does not export ${exportName}`);
  return fn as LambdaHandler;
}
