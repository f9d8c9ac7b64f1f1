/**
 * The deployment lock against DynamoDB itself (dynalite, which checks
 * expressions, reserved words and key schemas as DynamoDB does), on the
 * table exactly as the synthesized stack defines it. The unit tests pin the
 * requests; this proves DynamoDB accepts them and that their conditions mean
 * what the lock relies on.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { deployerFromTemplate, readTemplate } from '../../local/deployer/assembly';
import { DEFAULT_ASSEMBLY } from '../../local/deployer/synth';
import { type LocalDynamoDb, startDynamoDb } from '../../local/dynamodb';
import { DynamoDbDeploymentLock, LOCK_KEY, LOCK_TTL_SECONDS, TTL_ATTRIBUTE } from '../../lambda/shared/lock';

const ALIAS = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders:live';
const OTHER_ALIAS = 'arn:aws:states:us-east-1:123456789012:stateMachine:payments:live';
const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:orders';
const execution = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:sfn-deployer:${name}`;
const OWNER = execution('deploy-1');
const OTHER = execution('deploy-2');
const STARTED = '2026-12-01T10:00:00.000Z';

let dynamoDb: LocalDynamoDb;
let client: DynamoDBClient;
let tableName: string;
let tables = 0;
/** The Parameters of the loop's wait as synthesized: the UpdateItem that stores its task token. */
let waitParameters: Record<string, unknown>;

beforeAll(async () => {
  dynamoDb = await startDynamoDb();
  client = new DynamoDBClient({
    endpoint: dynamoDb.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await dynamoDb.close();
});

/** A fresh table per test, with the key schema and owner index the stack synthesizes. */
beforeEach(async () => {
  const template = readTemplate(DEFAULT_ASSEMBLY.outDir);
  const assembly = deployerFromTemplate(template, {
    partition: 'aws',
    region: 'us-east-1',
    account: '123456789012',
  });
  const [table] = assembly.tables;
  waitParameters = assembly.definition.States['Wait for next poll']!.Parameters as Record<string, unknown>;
  const { KeySchema, AttributeDefinitions, GlobalSecondaryIndexes } = table!
    .properties as Partial<CreateTableCommandInput>;
  tables += 1;
  tableName = `deployments-${tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema,
      AttributeDefinitions,
      GlobalSecondaryIndexes,
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});

const lock = () => new DynamoDbDeploymentLock(client, tableName);
const claim = (owner = OWNER, aliasArn = ALIAS) => ({
  aliasArn,
  stateMachineArn: STATE_MACHINE,
  owner,
  startedAt: STARTED,
  strategy: 'canary',
});

describe('the deployment lock on DynamoDB', () => {
  it('is taken once per alias, again by its owner, and names its holder to anyone else', async () => {
    await lock().acquire(claim());
    await lock().acquire(claim());

    await expect(lock().acquire(claim(OTHER))).rejects.toMatchObject({
      name: 'DeploymentInProgress',
      holder: { owner: OWNER, acquiredAt: STARTED },
    });
    const item = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { aliasArn: { S: ALIAS }, sk: { S: LOCK_KEY } } }),
    );
    expect(Number(item.Item?.[TTL_ATTRIBUTE]?.N)).toBe(Date.parse(STARTED) / 1000 + LOCK_TTL_SECONDS);
  });

  it('records progress on the lock and the record, finds the lock by owner and in the sweep', async () => {
    await lock().acquire(claim());
    await lock().acquire(claim(OTHER, OTHER_ALIAS));

    await lock().update(ALIAS, OWNER, {
      originVersionArn: `${STATE_MACHINE}:1`,
      targetVersionArn: `${STATE_MACHINE}:2`,
      timeline: [],
    });

    expect(await lock().heldBy(OWNER)).toMatchObject({
      aliasArn: ALIAS,
      originVersionArn: `${STATE_MACHINE}:1`,
      targetVersionArn: `${STATE_MACHINE}:2`,
    });
    expect((await lock().allLocks()).map((held) => held.owner).sort()).toEqual([OWNER, OTHER].sort());
  });

  it('hands the loop to the named continuation once, and refuses any other execution', async () => {
    await lock().acquire(claim());
    await lock().handOff(ALIAS, OWNER, { executionName: 'continue-2-abc', state: '{"step":3}' });

    await expect(lock().claimHandoff(ALIAS, execution('forged'))).rejects.toMatchObject({
      name: 'DeploymentLockLost',
    });
    await expect(lock().claimHandoff(ALIAS, execution('continue-2-abc'))).resolves.toBe('{"step":3}');
    // The same execution retrying its first step gets the state again; nobody else does.
    await expect(lock().claimHandoff(ALIAS, execution('continue-2-abc'))).resolves.toBe('{"step":3}');
    await expect(lock().claimHandoff(ALIAS, execution('continue-2-xyz'))).rejects.toMatchObject({
      name: 'DeploymentLockLost',
    });
  });

  it('once recovery takes the lock over, the owner can neither write, hand off nor promote', async () => {
    await lock().acquire(claim());

    expect(await lock().beginRecovery(ALIAS, OWNER, '2026-12-01T11:00:00.000Z')).toMatchObject({
      owner: OWNER,
      recovering: '2026-12-01T11:00:00.000Z',
    });

    await expect(lock().assertHeld(ALIAS, OWNER)).rejects.toMatchObject({ name: 'DeploymentLockLost' });
    await expect(
      lock().update(ALIAS, OWNER, { targetVersionArn: `${STATE_MACHINE}:2` }),
    ).rejects.toMatchObject({ name: 'DeploymentLockLost' });
    await expect(
      lock().handOff(ALIAS, OWNER, { executionName: 'continue-2-abc', state: '{}' }),
    ).rejects.toMatchObject({ name: 'DeploymentLockLost' });
    await expect(lock().promote(ALIAS, OWNER, { endedAt: '2026-12-01T11:00:01.000Z' })).rejects.toMatchObject(
      { name: 'DeploymentLockLost' },
    );
    expect(await lock().beginRecovery(ALIAS, OTHER, '2026-12-01T11:00:00.000Z')).toBeUndefined();
  });

  it('records how a deployment ended and frees the alias for the next one', async () => {
    await lock().acquire(claim());
    const { recordKey } = (await lock().lockOn(ALIAS))!;

    await lock().release(ALIAS, OWNER, {
      status: 'ROLLED_BACK',
      endedAt: '2026-12-01T11:00:00.000Z',
      error: 'DeploymentRolledBack',
      cause: 'alarm',
    });
    await lock().release(ALIAS, OWNER, { status: 'ROLLED_BACK', endedAt: '2026-12-01T11:00:00.000Z' });

    expect(await lock().lockOn(ALIAS)).toBeUndefined();
    expect(await lock().outcomeOf(ALIAS, recordKey)).toEqual({
      status: 'ROLLED_BACK',
      error: 'DeploymentRolledBack',
      cause: 'alarm',
    });
    await lock().acquire(claim(OTHER));
  });

  it('records a promotion only while the owner holds the lock, and then nothing can take it back', async () => {
    await lock().acquire(claim());
    const { recordKey } = (await lock().lockOn(ALIAS))!;

    await lock().promote(ALIAS, OWNER, { endedAt: '2026-12-01T11:00:00.000Z' });

    expect(await lock().outcomeOf(ALIAS, recordKey)).toMatchObject({ status: 'PROMOTED' });
    expect(await lock().beginRecovery(ALIAS, OWNER, '2026-12-01T11:00:01.000Z')).toBeUndefined();
  });

  describe('waking a waiting loop', () => {
    /** The wait's own write, as Step Functions sends it with the JSONPath fields filled in. */
    const storeToken = (token: string, owner = OWNER) => {
      const values = waitParameters.ExpressionAttributeValues as Record<string, unknown>;
      return client.send(
        new UpdateItemCommand({
          ...(waitParameters as unknown as UpdateItemCommandInput),
          TableName: tableName,
          Key: { aliasArn: { S: ALIAS }, sk: { S: LOCK_KEY } },
          ExpressionAttributeValues: {
            ...(values as UpdateItemCommandInput['ExpressionAttributeValues']),
            ':token': { S: token },
            ':owner': { S: owner },
          },
        }),
      );
    };
    const signal = { action: 'pause', sender: 'ana', reason: 'launch', at: STARTED } as const;
    const reason = { cause: 'signal', detail: 'pause', at: STARTED } as const;

    it('hands a waker the token the wait stored, and the next check takes the signals once', async () => {
      await lock().acquire({ ...claim(), alarms: ['orders-errors'], failOnInsufficientData: true });
      await storeToken('token-1');

      const woken = await lock().wake(ALIAS, reason, signal);
      await lock().wake(ALIAS, reason, { ...signal, action: 'resume' });

      expect(woken).toMatchObject({
        taskToken: 'token-1',
        alarms: ['orders-errors'],
        failOnInsufficientData: true,
      });
      expect((await lock().takeSignals(ALIAS, OWNER)).map((taken) => taken.action)).toEqual([
        'pause',
        'resume',
      ]);
      expect(await lock().takeSignals(ALIAS, OWNER)).toEqual([]);
      expect((await lock().lockOn(ALIAS))?.taskToken).toBeUndefined();
    });

    it('refuses to start a wait while a wake-up is pending, until the check has taken it', async () => {
      await lock().acquire(claim());
      await lock().wake(ALIAS, { cause: 'alarm', detail: 'orders-errors is ALARM', at: STARTED });

      await expect(storeToken('token-1')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      await lock().takeSignals(ALIAS, OWNER);
      await expect(storeToken('token-2')).resolves.toBeDefined();
    });

    it('never stores a token on a lock that is gone or someone else’s, and wakes nothing there', async () => {
      await expect(storeToken('token-1')).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(await lock().wake(ALIAS, reason, signal)).toBeUndefined();
      expect(await lock().lockOn(ALIAS)).toBeUndefined();

      await lock().acquire(claim(OTHER));
      await expect(storeToken('token-1', OWNER)).rejects.toMatchObject({
        name: 'ConditionalCheckFailedException',
      });
    });
  });
});
