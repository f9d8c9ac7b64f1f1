import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  StateMachineDeployAction,
  type StateMachineDeployActionProps,
  StateMachineDeployer,
} from '../../lib';
import { ACCOUNT, newApp, REGION, rendered } from './support';

const DEPLOYER_NAME = 'sfn-deployer';
const DEPLOYER_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${DEPLOYER_NAME}`;

/** A pipeline whose second stage is the deploy action, next to a named deployer so ARNs read plainly. */
function synthPipeline(props: Omit<StateMachineDeployActionProps, 'deployer'>, withSourceFile = false) {
  const stack = new Stack(newApp(), 'Pipeline', { env: { account: ACCOUNT, region: REGION } });
  const target = sfn.StateMachine.fromStateMachineName(stack, 'Orders', 'orders');
  const deployer = new StateMachineDeployer(stack, 'Deployer', {
    targets: [target],
    stateMachineName: DEPLOYER_NAME,
  });
  const source = new codepipeline.Artifact('Request');
  const bucket = new s3.Bucket(stack, 'Source', { versioned: true });
  const action = new StateMachineDeployAction({
    deployer,
    ...props,
    ...(withSourceFile && { requestFile: source.atPath('request.json') }),
  });
  const pipeline = new codepipeline.Pipeline(stack, 'Pipeline', {
    crossAccountKeys: false,
    stages: [
      {
        stageName: 'Source',
        actions: [
          new actions.S3SourceAction({
            actionName: 'Request',
            bucket,
            bucketKey: 'request.zip',
            output: source,
          }),
        ],
      },
      { stageName: 'Deploy', actions: [action] },
    ],
  });
  const template = Template.fromStack(stack);
  const known = { [stack.getLogicalId(deployer.stateMachine.node.defaultChild as never)]: DEPLOYER_ARN };
  const stages = rendered<{ Name: string; Actions: Record<string, unknown>[] }[]>(
    Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0]!.Properties.Stages,
    known,
  );
  return { template, pipeline, known, deployAction: stages[1]!.Actions[0]! };
}

/** The statements of the deploy action role's policy, references rendered. */
function deployRoleStatements({
  template,
  known,
  deployAction,
}: ReturnType<typeof synthPipeline>): unknown[] {
  const roleArn = deployAction.RoleArn as string;
  const roleId = roleArn.slice(2, roleArn.indexOf('.'));
  const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((candidate) =>
    candidate.Properties.Roles.some((role: { Ref: string }) => role.Ref === roleId),
  );
  return rendered(policy!.Properties.PolicyDocument.Statement, known);
}

describe('StateMachineDeployAction', () => {
  const request = {
    stateMachine: 'orders',
    alias: 'live',
    strategy: 'linear',
    increment: 20,
    alarms: ['orders-failures'],
  };

  it('starts the deployer with a literal request and the execution name prefix', () => {
    const { deployAction } = synthPipeline({ request });
    expect(deployAction).toMatchObject({
      Name: 'Deploy',
      ActionTypeId: { Category: 'Invoke', Owner: 'AWS', Provider: 'StepFunctions', Version: '1' },
      Configuration: {
        StateMachineArn: DEPLOYER_ARN,
        InputType: 'Literal',
        Input: JSON.stringify(request),
        ExecutionNamePrefix: 'codepipeline',
      },
    });
  });

  it('starts the deployer with a request file from the input artifact', () => {
    const { deployAction } = synthPipeline(
      { executionNamePrefix: 'release', actionName: 'Deploy-orders' },
      true,
    );
    expect(deployAction).toMatchObject({
      Name: 'Deploy-orders',
      Configuration: {
        StateMachineArn: DEPLOYER_ARN,
        InputType: 'FilePath',
        Input: 'request.json',
        ExecutionNamePrefix: 'release',
      },
      InputArtifacts: [{ Name: 'Request' }],
    });
  });

  it('lets the action start the deployer and read only the executions it names', () => {
    expect(deployRoleStatements(synthPipeline({ request, executionNamePrefix: 'release' }))).toEqual([
      {
        Action: ['states:StartExecution', 'states:DescribeStateMachine'],
        Effect: 'Allow',
        Resource: DEPLOYER_ARN,
      },
      {
        Action: 'states:DescribeExecution',
        Effect: 'Allow',
        Resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:${DEPLOYER_NAME}:release*`,
      },
    ]);
  });

  it('lets the action read the artifact bucket when the request is a file', () => {
    expect(deployRoleStatements(synthPipeline({}, true))).toContainEqual(
      expect.objectContaining({ Action: ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] }),
    );
  });

  it('fails when given both or neither of request and requestFile', () => {
    expect(() => synthPipeline({})).toThrow(
      /needs exactly one of request .* and requestFile .*, got: neither/,
    );
    expect(() => synthPipeline({ request }, true)).toThrow(/got: both/);
  });

  it('fails when the literal request is not a valid deploy request', () => {
    expect(() =>
      synthPipeline({ request: { stateMachine: 'orders', alias: 'live', increment: 101 } }),
    ).toThrow('Invalid deploy request: increment must be an integer between 1 and 100, got: 101');
  });

  it('fails when the execution name prefix leaves no room for the action execution ID', () => {
    expect(() => synthPipeline({ request, executionNamePrefix: 'x'.repeat(44) })).toThrow(
      /executionNamePrefix must be 1-43 letters, digits, - or _/,
    );
    expect(() => synthPipeline({ request, executionNamePrefix: 'has space' })).toThrow(/got: "has space"/);
  });
});
