import { Token } from 'aws-cdk-lib';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import { parseDeployRequest } from '../lambda/shared/request';
import type { StateMachineDeployer } from './state-machine-deployer';

/** CodePipeline names an execution `<prefix>-<action execution ID>`; names are at most 80 characters. */
const MAX_PREFIX_LENGTH = 80 - 1 - 36;

/** Properties of a {@link StateMachineDeployAction}. Give exactly one of `request` and `requestFile`. */
export interface StateMachineDeployActionProps {
  /** The deployer to start. */
  readonly deployer: StateMachineDeployer;

  /**
   * Name of the action in its stage.
   * @default 'Deploy'
   */
  readonly actionName?: string;

  /**
   * The deploy request, written into the pipeline (`InputType: Literal`).
   * @default - use `requestFile`
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- jsii: a JSON object crosses as a map of `any`
  readonly request?: { [key: string]: any };

  /**
   * A deploy request file in an input artifact (`InputType: FilePath`), e.g. `source.atPath('request.json')`.
   * @default - use `request`
   */
  readonly requestFile?: codepipeline.ArtifactPath;

  /**
   * Prefix of the deployer execution's name, so the pipeline's deployments are easy to find.
   * @default 'codepipeline'
   */
  readonly executionNamePrefix?: string;

  /**
   * Artifact receiving the deployment's output (`outcome`, `toVersionArn`, `timeline`, …).
   * @default - no output artifact
   */
  readonly output?: codepipeline.Artifact;

  /**
   * Order of the action in its stage.
   * @default 1
   */
  readonly runOrder?: number;

  /**
   * Namespace of the action's variables (`ExecutionArn`, `StateMachineArn`).
   * @default - no namespace
   */
  readonly variablesNamespace?: string;
}

/**
 * A CodePipeline action that starts a deployment and waits for its outcome:
 * it succeeds when the deployment promotes (or finds nothing to change) and
 * fails on a rollback or a bad request, with the execution's error and cause.
 * Binding the action grants its role `states:StartExecution` and
 * `states:DescribeStateMachine` on the deployer, and
 * `states:DescribeExecution` on the executions named with the prefix.
 */
export class StateMachineDeployAction extends actions.StepFunctionInvokeAction {
  constructor(props: StateMachineDeployActionProps) {
    super({
      actionName: props.actionName ?? 'Deploy',
      stateMachine: props.deployer.stateMachine,
      stateMachineInput: stateMachineInput(props),
      executionNamePrefix: executionNamePrefix(props.executionNamePrefix ?? 'codepipeline'),
      output: props.output,
      runOrder: props.runOrder,
      variablesNamespace: props.variablesNamespace,
    });
  }
}

function stateMachineInput(props: StateMachineDeployActionProps): actions.StateMachineInput {
  const { request, requestFile } = props;
  if ((request === undefined) === (requestFile === undefined)) {
    throw new Error(
      `StateMachineDeployAction needs exactly one of request (a literal deploy request) and requestFile (a file in an input artifact), got: ${
        request === undefined ? 'neither' : 'both'
      }`,
    );
  }
  if (requestFile) {
    // CodePipeline wants the path inside the artifact (`request.json`); `filePath()` would write `Artifact::request.json`.
    return { input: requestFile.fileName, inputArtifact: requestFile.artifact, inputType: 'FilePath' };
  }
  // A literal request is checked now, so a bad one fails `cdk synth` instead of the pipeline.
  if (!Token.isUnresolved(JSON.stringify(request))) parseDeployRequest(request);
  return actions.StateMachineInput.literal(request!);
}

function executionNamePrefix(prefix: string): string {
  if (!Token.isUnresolved(prefix) && !new RegExp(`^[A-Za-z0-9_-]{1,${MAX_PREFIX_LENGTH}}$`).test(prefix)) {
    throw new Error(
      `executionNamePrefix must be 1-${MAX_PREFIX_LENGTH} letters, digits, - or _ (CodePipeline appends a hyphen and a 36-character ID), got: ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}
