import { type Duration, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { parseDeployRequest } from '../lambda/shared/request';
import type { DeploymentStep, DeploymentStrategy } from './deployment-options';
import type { StateMachineDeployer } from './state-machine-deployer';

/** Where the published version's ARN is in the CloudTrail record of either API call. */
const PUBLISHED_VERSION_PATH = '$.detail.responseElements.stateMachineVersionArn';

/** A state machine to deploy whenever a version of it is published, and how. */
export interface DeployOnPublishTarget {
  /** The state machine whose published versions are deployed. */
  readonly stateMachine: sfn.IStateMachine;

  /** The alias to shift onto each published version. */
  readonly alias: string;

  /**
   * How traffic moves to the new version: canary, linear, allAtOnce, or one of
   * CodeDeploy's named configurations such as `Canary10Percent5Minutes`.
   * @default - the deployer's default strategy, unless `steps` are given
   */
  readonly strategy?: DeploymentStrategy;

  /**
   * Custom steps instead of a strategy: weights with their holds, and pauses,
   * as in the deploy request; a final 100% is added when the last weight is lower.
   * @default - the strategy's steps
   */
  readonly steps?: DeploymentStep[];

  /**
   * Percent shifted per step (canary and linear).
   * @default - the deployer's default increment
   */
  readonly increment?: number;

  /**
   * How long each step holds before the next shift.
   * @default - the deployer's default interval
   */
  readonly interval?: Duration;

  /**
   * Alarms that roll the deployment back (metric or composite); for one
   * defined elsewhere, `Alarm.fromAlarmName(this, 'Id', 'name')`.
   * @default - no alarms
   */
  readonly alarms?: cloudwatch.IAlarm[];

  /**
   * How often the alarms are polled.
   * @default - the deployer's default alarm polling
   */
  readonly alarmPolling?: Duration;

  /**
   * Versions to keep after a successful deployment; 0 never prunes.
   * @default 0
   */
  readonly historyMax?: number;
}

/** Properties of a {@link DeployOnPublish}. */
export interface DeployOnPublishProps {
  /** The deployer that the rules start. */
  readonly deployer: StateMachineDeployer;

  /**
   * The state machines to deploy on publish. More can be added with `addTarget()`.
   * @default - none
   */
  readonly targets?: DeployOnPublishTarget[];
}

/**
 * Starts a deployment whenever a new version of a target is published:
 * EventBridge rules on the default bus match the CloudTrail record of
 * `PublishStateMachineVersion`, or of `UpdateStateMachine` with `publish: true`,
 * and start the deployer with the target's deploy request and the new version.
 *
 * Needs a CloudTrail trail logging management events in the target's region
 * and account: EventBridge only receives API calls that a trail records.
 *
 * Loop prevention: the deployer publishes versions itself (a request with
 * `definition` or `publishRevision`), and that deployment is already under
 * way. The rules ignore calls made by the deployer's publish-version Lambda,
 * recognized by the role its session was issued from
 * (`userIdentity.sessionContext.sessionIssuer.arn`).
 */
export class DeployOnPublish extends Construct {
  /** Two rules per target: one per API call that publishes a version. */
  readonly rules: events.Rule[] = [];
  /** The role EventBridge uses; it may only start the deployer. */
  readonly role: iam.IRole;
  private readonly deployer: StateMachineDeployer;
  private readonly publisherRoleArn: string;

  constructor(scope: Construct, id: string, props: DeployOnPublishProps) {
    super(scope, id);
    this.deployer = props.deployer;
    const publisherRole = props.deployer.functions.publishVersion.role;
    if (!publisherRole) {
      throw new Error(
        'deployer must give its publish-version Lambda a role, so its own publishes can be told apart; got: none',
      );
    }
    this.publisherRoleArn = publisherRole.roleArn;
    this.role = new iam.Role(this, 'EventsRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'Lets EventBridge start deployments when a target version is published',
    });
    props.deployer.stateMachine.grantStartExecution(this.role);
    for (const target of props.targets ?? []) this.addTarget(target);
  }

  /** Deploys one more state machine on publish; returns its two rules. */
  addTarget(target: DeployOnPublishTarget): events.Rule[] {
    const request = deployRequestTemplate(target);
    // The deployer needs its permissions on the target too; identical statements are merged.
    this.deployer.addTarget(target.stateMachine);
    const scope = new Construct(this, target.stateMachine.node.id);
    const input = events.RuleTargetInput.fromObject({
      ...request,
      stateMachine: target.stateMachine.stateMachineArn,
      version: events.EventField.fromPath(PUBLISHED_VERSION_PATH),
    });
    const rules = PUBLISHING_CALLS.map(
      (call) =>
        new events.Rule(scope, call.id, {
          description: `Deploys ${target.stateMachine.node.path} to its alias ${target.alias} on ${call.eventName}`,
          eventPattern: publishPattern(call, target.stateMachine.stateMachineArn, this.publisherRoleArn),
          targets: [
            new eventsTargets.SfnStateMachine(this.deployer.stateMachine, { input, role: this.role }),
          ],
        }),
    );
    this.rules.push(...rules);
    return rules;
  }
}

interface PublishingCall {
  readonly id: string;
  readonly eventName: string;
  /** Request fields that must be present for the call to have published a version. */
  readonly requestParameters: Record<string, unknown[]>;
}

const PUBLISHING_CALLS: readonly PublishingCall[] = [
  { id: 'OnPublishVersion', eventName: 'PublishStateMachineVersion', requestParameters: {} },
  { id: 'OnUpdateAndPublish', eventName: 'UpdateStateMachine', requestParameters: { publish: [true] } },
];

function publishPattern(
  call: PublishingCall,
  stateMachineArn: string,
  publisherRoleArn: string,
): events.EventPattern {
  const issuer = (matcher: unknown) => ({
    userIdentity: { sessionContext: { sessionIssuer: { arn: [matcher] } } },
  });
  return {
    source: ['aws.states'],
    detailType: ['AWS API Call via CloudTrail'],
    detail: {
      // The CloudTrail event source; the service model's `sfn.amazonaws.com` never appears in events.
      eventSource: ['states.amazonaws.com'],
      eventName: [call.eventName],
      requestParameters: { stateMachineArn: [stateMachineArn], ...call.requestParameters },
      // A failed call published nothing and has no version ARN to deploy.
      errorCode: [{ exists: false }],
      // `anything-but` never matches a missing field, and IAM users and root have no session issuer:
      // so "not the deployer" is "issued by another role, or by no role".
      $or: [issuer({ 'anything-but': publisherRoleArn }), issuer({ exists: false })],
    },
  };
}

/** The per-target part of the deploy request; the deployer's defaults apply to what is left out. */
function deployRequestTemplate(target: DeployOnPublishTarget): Record<string, unknown> {
  const request: Record<string, unknown> = { alias: target.alias };
  if (target.strategy !== undefined) request.strategy = target.strategy;
  if (target.steps !== undefined) request.steps = target.steps.map((step) => step.toJson());
  if (target.increment !== undefined) request.increment = target.increment;
  if (target.interval !== undefined) request.intervalSeconds = target.interval.toSeconds();
  if (target.alarms !== undefined && target.alarms.length > 0) {
    request.alarms = target.alarms.map((alarm) => alarm.alarmName);
  }
  if (target.alarmPolling !== undefined) request.alarmPollingSeconds = target.alarmPolling.toSeconds();
  if (target.historyMax !== undefined) request.historyMax = target.historyMax;
  // Validate now, so a bad default fails `cdk synth` rather than every deployment; tokens resolve only at deploy.
  const known = (value: unknown, stand: string) => (Token.isUnresolved(value) ? stand : value);
  const checkable = {
    ...request,
    stateMachine: 'checked-at-deploy',
    alias: known(request.alias, 'checked-at-deploy'),
    ...(Array.isArray(request.alarms) && {
      alarms: request.alarms.map((name, index) => known(name, `alarm-${index}`)),
    }),
  };
  try {
    parseDeployRequest(checkable);
  } catch (error) {
    throw new Error(`DeployOnPublish target ${target.stateMachine.node.path}: ${(error as Error).message}`);
  }
  return request;
}
