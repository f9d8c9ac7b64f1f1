/**
 * What the commands need from the outside world, passed in rather than taken
 * from `process`, so every command runs in tests without a terminal or AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { STSClient } from '@aws-sdk/client-sts';
import type { LiveRegion } from './live-region';

export interface Output {
  write(text: string): unknown;
}

/** Streams, clock and terminal of one run of the command line. */
export interface Io {
  stdout: Output;
  stderr: Output;
  /** Whether stdout is a terminal: a live view redrawn in place, else plain lines. */
  isTTY: boolean;
  /** Opens the region the live view redraws in place on that terminal (live-region.ts). */
  openLiveRegion?: () => Promise<LiveRegion>;
  now: () => Date;
  sleep: (milliseconds: number) => Promise<void>;
}

/** Region, profile and endpoint, as the AWS CLI takes them. */
export interface AwsOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

export interface AwsClients {
  sfn: SFNClient;
  cloudWatch: CloudWatchClient;
  cloudFormation: CloudFormationClient;
  /** Invokes the deployer's signal function (promote, pause, resume, abort). */
  lambda: LambdaClient;
  /** Who is sending a signal: the caller's identity is recorded with it. */
  sts: STSClient;
  /** Reads the deployments table (`sfn-deploy history`). */
  dynamo: DynamoDBClient;
  /** The service's time, from its responses' `Date` header (the virtual clock on the local cloud); default: the machine's. */
  serviceNow?: () => Date;
}
