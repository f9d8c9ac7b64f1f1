import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { StateMachineDeployAction, type StateMachineDeployer } from '../lib';

export interface ExamplePipelineStackProps extends StackProps {
  /** The deployer the pipeline starts. */
  readonly deployer: StateMachineDeployer;
  /**
   * Key of the zip holding `request.json` in the source bucket.
   * @default 'deploy/request.zip'
   */
  readonly sourceKey?: string;
}

/**
 * An example pipeline: uploading a zip with `request.json` to the source
 * bucket runs a deployment, and the pipeline waits for its outcome.
 */
export class ExamplePipelineStack extends Stack {
  readonly pipeline: codepipeline.Pipeline;
  readonly sourceBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ExamplePipelineStackProps) {
    super(scope, id, props);
    const sourceKey = props.sourceKey ?? 'deploy/request.zip';
    // The S3 source action needs a versioned bucket.
    this.sourceBucket = new s3.Bucket(this, 'Source', {
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const source = new codepipeline.Artifact('Request');
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineType: codepipeline.PipelineType.V2,
      crossAccountKeys: false,
      stages: [
        {
          stageName: 'Source',
          actions: [
            new actions.S3SourceAction({
              actionName: 'Request',
              bucket: this.sourceBucket,
              bucketKey: sourceKey,
              output: source,
              // Runs on upload; needs a trail logging S3 data events for the bucket.
              trigger: actions.S3Trigger.EVENTS,
            }),
          ],
        },
        {
          stageName: 'Deploy',
          actions: [
            new StateMachineDeployAction({
              deployer: props.deployer,
              requestFile: source.atPath('request.json'),
              executionNamePrefix: 'pipeline',
              variablesNamespace: 'Deploy',
            }),
          ],
        },
      ],
    });
    new CfnOutput(this, 'SourceUpload', {
      value: `s3://${this.sourceBucket.bucketName}/${sourceKey}`,
      description: 'Upload a zip holding request.json here to run the pipeline',
    });
  }
}
