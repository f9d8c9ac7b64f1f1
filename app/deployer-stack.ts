import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { type DeploymentStrategy, StateMachineDeployer } from '../lib';

export interface DeployerStackProps extends StackProps {
  /** Names or unqualified ARNs of the state machines the deployer may deploy. */
  readonly targets: string[];
  /** @default DeploymentStrategy.ALL_AT_ONCE */
  readonly defaultStrategy?: DeploymentStrategy;
  /** @default 5 */
  readonly defaultIncrement?: number;
  /** @default 120 */
  readonly defaultIntervalSeconds?: number;
  /** @default 60 */
  readonly defaultAlarmPollingSeconds?: number;
  /** A CloudWatch dashboard of the targets and the deployments. @default false */
  readonly dashboard?: boolean;
}

/** The deployable unit: one deployer for a set of target state machines. */
export class DeployerStack extends Stack {
  readonly deployer: StateMachineDeployer;

  constructor(scope: Construct, id: string, props: DeployerStackProps) {
    super(scope, id, props);
    const targets = props.targets.map((target, index) =>
      target.startsWith('arn:')
        ? sfn.StateMachine.fromStateMachineArn(this, `Target${index}`, target)
        : sfn.StateMachine.fromStateMachineName(this, `Target${index}`, target),
    );
    this.deployer = new StateMachineDeployer(this, 'Deployer', {
      targets,
      defaultStrategy: props.defaultStrategy,
      defaultIncrement: props.defaultIncrement,
      defaultInterval: seconds(props.defaultIntervalSeconds),
      defaultAlarmPolling: seconds(props.defaultAlarmPollingSeconds),
      dashboard: props.dashboard,
    });
    new CfnOutput(this, 'DeployerArn', {
      value: this.deployer.stateMachine.stateMachineArn,
      description:
        'Start a deployment: aws stepfunctions start-execution --state-machine-arn <this> --input file://request.json',
    });
  }
}

function seconds(value: number | undefined): Duration | undefined {
  return value === undefined ? undefined : Duration.seconds(value);
}
