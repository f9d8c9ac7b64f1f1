/**
 * Checks the local pattern engine against an independent one: moto's
 * EventBridge, run as `moto_server` on loopback. moto 5.2 answers
 * TestEventPattern with an empty body, so each synthesized pattern becomes a
 * rule with an SQS queue as target, every fixture is put as an event, and the
 * queues say which events moto matched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { matchesPattern } from '../../local/eventbridge/pattern';
import type { TemplateRule } from '../../local/eventbridge/rules';
import { ACCOUNT, loadFixtures, REGION, resolvedRules, synthDeployOnPublish } from './support';

const fixtures = loadFixtures();
let moto: ChildProcess | undefined;
let endpoint = '';
let rules: TemplateRule[] = [];
/** For each rule, the names of the fixtures moto delivered to its queue. */
const motoMatches = new Map<string, string[]>();

beforeAll(async () => {
  const executable = findOnPath('moto_server');
  if (!executable) {
    throw new Error(
      'moto_server is not on PATH: install it with `pip install "moto[server]==5.2.*"` to check the event patterns against moto',
    );
  }
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  // Synthesize while moto starts.
  const { stack, template } = synthDeployOnPublish();
  rules = resolvedRules(stack, template, stack.deployer.functions.publishVersion.role!);
  await waitUntilServing(endpoint, 10_000);

  const client = new EventBridgeClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  for (const rule of rules) {
    await sqs('CreateQueue', { QueueName: rule.logicalId });
    await client.send(
      new PutRuleCommand({ Name: rule.logicalId, EventPattern: JSON.stringify(rule.eventPattern) }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: rule.logicalId,
        Targets: [{ Id: 'queue', Arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${rule.logicalId}` }],
      }),
    );
  }
  const names = Object.keys(fixtures);
  const entries = names.map((name) => {
    const event = fixtures[name]!;
    return {
      Source: String(event.source),
      DetailType: String(event['detail-type']),
      Detail: JSON.stringify(event.detail),
      Resources: [],
    };
  });
  const put = await client.send(new PutEventsCommand({ Entries: entries }));
  const nameOf = new Map(put.Entries!.map((entry, index) => [entry.EventId!, names[index]!]));
  for (const rule of rules) {
    const received = await receiveAll(`${endpoint}/${ACCOUNT}/${rule.logicalId}`);
    motoMatches.set(rule.logicalId, received.map((id) => nameOf.get(id)!).sort());
  }
});

afterAll(() => {
  moto?.kill();
});

describe('the synthesized patterns in moto and in the local engine', () => {
  it('were both given every rule and fixture', () => {
    expect(rules).toHaveLength(2);
    expect(Object.keys(fixtures).length).toBeGreaterThanOrEqual(9);
  });

  it('agree on which fixtures each rule matches', () => {
    for (const rule of rules) {
      const local = Object.keys(fixtures)
        .filter(
          (name) => rule.eventPattern !== undefined && matchesPattern(rule.eventPattern, fixtures[name]),
        )
        .sort();
      expect({ rule: rule.logicalId, matched: motoMatches.get(rule.logicalId) }).toEqual({
        rule: rule.logicalId,
        matched: local,
      });
      expect(local.length).toBeGreaterThan(0);
    }
  });
});

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntilServing(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (moto?.exitCode !== null)
      throw new Error(`moto_server exited with code ${moto?.exitCode} before serving`);
    try {
      await fetch(`${url}/moto-api/`);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`moto_server did not answer on ${url} within ${timeoutMs} ms`);
}

/** SQS over its JSON protocol; moto does not check signatures. */
async function sqs(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/sqs/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`SQS ${action} failed with ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The ids of every event delivered to a queue. */
async function receiveAll(queueUrl: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const { Messages } = (await sqs('ReceiveMessage', { QueueUrl: queueUrl, MaxNumberOfMessages: 10 })) as {
      Messages?: { Body: string }[];
    };
    if (!Messages || Messages.length === 0) return ids;
    ids.push(...Messages.map((message) => (JSON.parse(message.Body) as { id: string }).id));
  }
}
