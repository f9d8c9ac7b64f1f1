/**
 * What the deployer's own SDK calls cost, alone: the calls a run's Lambdas made, replayed with their inputs
 * through clients with the Lambdas' own settings (`common()` in `lambda/shared/clients.ts`), each answered at
 * once with an empty JSON object by a handler that does nothing else. No local cloud can run those Lambdas
 * faster than this; the bench prints it beside the measured speeds.
 */
import { performance } from 'node:perf_hooks';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import * as cloudWatch from '@aws-sdk/client-cloudwatch';
import * as dynamoDb from '@aws-sdk/client-dynamodb';
import * as eventBridge from '@aws-sdk/client-eventbridge';
import * as sfn from '@aws-sdk/client-sfn';
import { HttpResponse } from '@smithy/core/transport';
import { common, SDK_MAX_ATTEMPTS } from '../../lambda/shared/clients';
import type { JournalEntry } from '../../local/wire/faults';

/** Answers every request with `200 {}` at once. */
const instant = {
  metadata: { handlerProtocol: 'instant' },
  handle: () =>
    Promise.resolve({
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Buffer.from('{}'),
      }),
    }),
  updateHttpClientConfig: () => undefined,
  httpHandlerConfigs: () => ({}),
  destroy: () => undefined,
};

type Send = (input: Record<string, unknown>) => Promise<unknown>;

/** A client per target prefix the Lambdas call, and the module its commands come from. */
function senders(): Map<string, (operation: string) => Send | undefined> {
  const config = {
    ...common(),
    maxAttempts: SDK_MAX_ATTEMPTS,
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:4566',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    requestHandler: instant,
  };
  const of =
    (client: { send(command: never): Promise<unknown> }, commands: Record<string, unknown>) =>
    (operation: string): Send | undefined => {
      const Command = commands[`${operation}Command`] as (new (input: unknown) => never) | undefined;
      return Command && ((input) => client.send(new Command(input)));
    };
  return new Map([
    ['AWSStepFunctions', of(new SFNClient(config), sfn)],
    ['GraniteServiceVersion20100801', of(new CloudWatchClient(config), cloudWatch)],
    ['DynamoDB_20120810', of(new DynamoDBClient(config), dynamoDb)],
    ['AWSEvents', of(new EventBridgeClient(config), eventBridge)],
  ]);
}

/** Seconds the SDK alone takes for the Lambdas' calls in `journal`, replayed in order. */
export async function sdkSeconds(journal: readonly JournalEntry[]): Promise<number> {
  const clients = senders();
  const calls = journal
    .filter((entry) => entry.caller !== undefined)
    .map((entry) => ({ entry, send: clients.get(entry.target)?.(entry.operation) }));
  const unknown = calls.find((call) => !call.send);
  if (unknown)
    throw new Error(`No SDK client to replay ${unknown.entry.target}.${unknown.entry.operation} with`);
  // Once through first, so both runs compare warm code.
  for (const { entry, send } of calls.slice(0, 200)) await send!(entry.input);
  const started = performance.now();
  for (const { entry, send } of calls) await send!(entry.input);
  return (performance.now() - started) / 1000;
}
