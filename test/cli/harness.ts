/** Runs `sfn-deploy` in-process with captured streams, a fake clock and mocked AWS clients. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { STSClient } from '@aws-sdk/client-sts';
import {
  DescribeStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { AwsClients, AwsOptions, Io } from '../../cli/io';
import type { LiveRegion } from '../../cli/live-region';
import { type CliDeps, runCli } from '../../cli/program';

export const DEPLOYER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:sfn-deployer';
export const TARGET_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
export const NOW = new Date('2026-03-02T10:00:00.000Z');
/** Region and credentials of their own, so the command's setup check passes without the machine's AWS setup. */
export const CLIENT_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

/** A stream that keeps what is written. */
export class Captured {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
  get lines(): string[] {
    return this.text.split('\n').filter((line) => line.length > 0);
  }
}

/** A live region that records what it was asked to draw; printed lines go to stdout, where they stay on screen. */
export class RecordedRegion implements LiveRegion {
  readonly frames: string[] = [];
  /** What the region shows now: its last frame, until a print or clear erases it. */
  shown: string | undefined;
  ended = false;
  constructor(private readonly stdout: Captured) {}
  draw(text: string): void {
    this.frames.push(text);
    this.shown = text;
  }
  print(text: string): void {
    this.shown = undefined;
    this.stdout.write(`${text}\n`);
  }
  clear(): void {
    this.shown = undefined;
  }
  done(): void {
    this.ended = true;
  }
}

export interface Run {
  code: number;
  /** The live region, on a terminal. */
  region: RecordedRegion;
  stdout: Captured;
  stderr: Captured;
  /** The options each client factory call received. */
  clientOptions: AwsOptions[];
  sleeps: number[];
  /** The files the command wrote, by path. */
  written: Record<string, string>;
}

export interface RunOptions {
  files?: Record<string, string>;
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  loadModule?: (modulePath: string) => unknown;
  /** Builds the clients, e.g. the command's own `createClients`; default: clients with a fixed region and credentials. */
  createClients?: CliDeps['createClients'];
}

/** Real SDK clients with a fixed region and credentials: `mockClient(...)` intercepts them. */
export function testClients(): AwsClients {
  return {
    sfn: new SFNClient(CLIENT_CONFIG),
    cloudWatch: new CloudWatchClient(CLIENT_CONFIG),
    cloudFormation: new CloudFormationClient(CLIENT_CONFIG),
    lambda: new LambdaClient(CLIENT_CONFIG),
    sts: new STSClient(CLIENT_CONFIG),
    dynamo: new DynamoDBClient(CLIENT_CONFIG),
  };
}

/** Runs the command line; clients are real SDK clients, so `mockClient(...)` intercepts them. */
export async function run(args: string[], options: RunOptions = {}): Promise<Run> {
  const stdout = new Captured();
  const stderr = new Captured();
  const clientOptions: AwsOptions[] = [];
  const sleeps: number[] = [];
  const written: Record<string, string> = {};
  const region = new RecordedRegion(stdout);
  let now = NOW.getTime();
  const io: Io = {
    stdout,
    stderr,
    isTTY: options.isTTY ?? false,
    openLiveRegion: async () => region,
    now: () => new Date(now),
    sleep: async (milliseconds) => {
      sleeps.push(milliseconds);
      now += milliseconds;
    },
  };
  const deps: CliDeps = {
    io,
    env: options.env ?? {},
    readFile: (path) => {
      const text = options.files?.[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    writeFile: (path, text) => {
      written[path] = text;
    },
    createClients: (aws, env) => {
      clientOptions.push(aws);
      if (options.createClients) return options.createClients(aws, env);
      return testClients();
    },
    loadModule: options.loadModule ?? (() => ({})),
  };
  const code = await runCli(args, deps);
  return { code, region, stdout, stderr, clientOptions, sleeps, written };
}

/**
 * Answers the read-only checks `start` makes before starting: the target
 * exists with version 2, and a definition is valid. `sfn` is `mockClient(SFNClient)`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function targetExists(sfn: AwsStub<any, any, any>): void {
  sfn
    .on(DescribeStateMachineCommand)
    .resolves({ stateMachineArn: `${TARGET_ARN}`, name: 'orders', revisionId: 'r1' })
    .on(ListStateMachineVersionsCommand)
    .resolves({ stateMachineVersions: [{ stateMachineVersionArn: `${TARGET_ARN}:2`, creationDate: NOW }] })
    .on(ValidateStateMachineDefinitionCommand)
    .resolves({ result: 'OK', diagnostics: [] });
}
