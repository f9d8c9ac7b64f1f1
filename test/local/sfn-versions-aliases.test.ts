import {
  CreateStateMachineAliasCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
  type RoutingConfigurationListItem,
} from '@aws-sdk/client-sfn';
import { failure, passDefinition, ROLE_ARN, startCloud, type Fixture } from './cloud-fixture';

describe('Step Functions versions and aliases (conformance with AWS)', () => {
  let f: Fixture;
  let arn: string;
  beforeEach(async () => {
    f = await startCloud();
    arn = (await f.createStateMachine('orders', passDefinition('r0'))).stateMachineArn!;
  });
  afterEach(() => f.stop());

  const update = (tag: string) =>
    f.sfn.send(
      new UpdateStateMachineCommand({
        stateMachineArn: arn,
        definition: JSON.stringify(passDefinition(tag)),
      }),
    );
  const publish = (extra: { revisionId?: string; description?: string } = {}) =>
    f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: arn, ...extra }));
  const versionsOf = async (maxResults?: number, nextToken?: string) =>
    f.sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn: arn, maxResults, nextToken }));
  const createAlias = (
    name: string,
    routingConfiguration: RoutingConfigurationListItem[],
    description?: string,
  ) => f.sfn.send(new CreateStateMachineAliasCommand({ name, routingConfiguration, description }));

  describe('DescribeStateMachine', () => {
    it('reports the AWS owned key Step Functions encrypts with by default, on the state machine and its versions', async () => {
      // https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachine.html#API_DescribeStateMachine_ResponseSyntax
      // https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
      const version = await publish();

      for (const stateMachineArn of [arn, version.stateMachineVersionArn!]) {
        const described = await f.sfn.send(new DescribeStateMachineCommand({ stateMachineArn }));
        expect(described.encryptionConfiguration).toEqual({ type: 'AWS_OWNED_KEY' });
      }
    });

    it('keeps a customer managed key given at update, as a new revision', async () => {
      const encryptionConfiguration = {
        type: 'CUSTOMER_MANAGED_KMS_KEY' as const,
        kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        kmsDataKeyReusePeriodSeconds: 300,
      };
      const updated = await f.sfn.send(
        new UpdateStateMachineCommand({ stateMachineArn: arn, encryptionConfiguration }),
      );

      const described = await f.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      expect(described.encryptionConfiguration).toEqual(encryptionConfiguration);
      expect(described.revisionId).toBe(updated.revisionId);
      expect(updated.revisionId).toBeDefined();
    });
  });

  describe('PublishStateMachineVersion', () => {
    it('is idempotent for an unchanged revision', async () => {
      const first = await publish();
      const second = await publish();
      expect(first.stateMachineVersionArn).toBe(`${arn}:1`);
      expect(second.stateMachineVersionArn).toBe(`${arn}:1`);
      expect(second.creationDate).toEqual(first.creationDate);
      expect((await versionsOf()).stateMachineVersions).toHaveLength(1);
    });

    it('never reuses the number of a deleted version, even for the same revision', async () => {
      await publish();
      await update('r1');
      const v2 = await publish();
      await f.sfn.send(
        new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v2.stateMachineVersionArn }),
      );
      expect((await publish()).stateMachineVersionArn).toBe(`${arn}:3`);
    });

    it('publishes only when the revisionId matches the current revision', async () => {
      const r1 = await update('r1');
      expect(r1.revisionId).toMatch(/^[0-9a-f-]{36}$/);
      await update('r2');
      expect(await failure(publish({ revisionId: r1.revisionId }))).toEqual({
        name: 'ConflictException',
        status: 409,
        message: expect.stringContaining(
          `Failed to publish the State Machine version for revision ${r1.revisionId}.`,
        ),
      });
      const current = await f.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      const v = await publish({ revisionId: current.revisionId, description: 'second' });
      const described = await f.sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: v.stateMachineVersionArn }),
      );
      expect(described).toMatchObject({
        stateMachineArn: `${arn}:1`,
        revisionId: current.revisionId,
        description: 'second',
        definition: JSON.stringify(passDefinition('r2')),
      });
    });

    it('accepts INITIAL as the revision of a state machine never updated', async () => {
      await expect(publish({ revisionId: 'INITIAL' })).resolves.toMatchObject({
        stateMachineVersionArn: `${arn}:1`,
      });
    });

    it('publishes through UpdateStateMachine and CreateStateMachine with publish: true', async () => {
      const updated = await f.sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: arn,
          definition: JSON.stringify(passDefinition('r1')),
          publish: true,
          versionDescription: 'v1',
        }),
      );
      expect(updated.stateMachineVersionArn).toBe(`${arn}:1`);
      const again = await f.sfn.send(
        new UpdateStateMachineCommand({
          stateMachineArn: arn,
          definition: JSON.stringify(passDefinition('r1')),
          publish: true,
        }),
      );
      expect(again.stateMachineVersionArn).toBe(`${arn}:1`);
      expect(again.revisionId).toBe(updated.revisionId);
      const created = await f.createStateMachine('other', passDefinition('x'), { publish: true });
      expect(created.stateMachineVersionArn).toBe(`${created.stateMachineArn}:1`);
    });

    it('fails when versionDescription is given without publish', async () => {
      expect(
        await failure(
          f.sfn.send(
            new UpdateStateMachineCommand({
              stateMachineArn: arn,
              roleArn: ROLE_ARN,
              versionDescription: 'x',
            }),
          ),
        ),
      ).toEqual({
        name: 'ValidationException',
        status: 400,
        message: 'Version description can only be set when publish is true',
      });
    });

    it('fails for unknown state machines and malformed ARNs with AWS messages', async () => {
      expect(
        await failure(f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: `${arn}-nope` }))),
      ).toMatchObject({
        name: 'StateMachineDoesNotExist',
        message: `State Machine Does Not Exist: '${arn}-nope'`,
      });
      expect(
        await failure(f.sfn.send(new PublishStateMachineVersionCommand({ stateMachineArn: 'invalid_arn' }))),
      ).toMatchObject({
        name: 'InvalidArn',
        message: "Invalid Arn: 'Invalid ARN prefix: invalid_arn'",
      });
      expect(
        await failure(
          f.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: `${arn}:2`, roleArn: ROLE_ARN })),
        ),
      ).toMatchObject({
        name: 'StateMachineDoesNotExist',
        message: `State Machine Does Not Exist: '${arn}:2'`,
      });
    });

    it('stops at the quota of 1000 versions', async () => {
      const record = f.cloud.stepFunctions.store.stateMachines.get(arn)!;
      for (let i = 1; i <= 1000; i++) {
        record.versions.set(i, {
          number: i,
          arn: `${arn}:${i}`,
          revision: record.revision,
          description: undefined,
          creationDate: 0,
        });
      }
      record.nextVersion = 1001;
      await update('r1');
      expect(await failure(publish())).toMatchObject({ name: 'ServiceQuotaExceededException', status: 402 });
    });
  });

  describe('ListStateMachineVersions', () => {
    it('lists newest first and pages with nextToken', async () => {
      for (let i = 1; i <= 5; i++) {
        await update(`r${i}`);
        await publish();
      }
      const page1 = await versionsOf(2);
      const page2 = await versionsOf(2, page1.nextToken);
      const page3 = await versionsOf(2, page2.nextToken);
      const numbers = [page1, page2, page3].flatMap((p) =>
        p.stateMachineVersions!.map((v) => v.stateMachineVersionArn!.split(':').pop()),
      );
      expect(numbers).toEqual(['5', '4', '3', '2', '1']);
      expect(page3.nextToken).toBeUndefined();
      expect((await versionsOf(0)).stateMachineVersions).toHaveLength(5);
    });

    it('refuses maxResults above 1000 and a foreign token', async () => {
      expect(await failure(versionsOf(1001))).toEqual({
        name: 'ValidationException',
        status: 400,
        message:
          "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
      });
      expect(await failure(versionsOf(1, 'not-a-token'))).toMatchObject({ name: 'InvalidToken' });
    });
  });

  describe('DeleteStateMachineVersion', () => {
    it('refuses to delete a version an alias references, naming the aliases', async () => {
      const v1 = (await publish()).stateMachineVersionArn!;
      await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }]);
      await createAlias('beta', [{ stateMachineVersionArn: v1, weight: 100 }]);
      expect(
        await failure(f.sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }))),
      ).toEqual({
        name: 'ConflictException',
        status: 409,
        message:
          'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live, beta]',
      });
    });

    it('answers 200 for a version already deleted', async () => {
      const v1 = (await publish()).stateMachineVersionArn!;
      await f.sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
      const again = await f.sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
      expect(again.$metadata.httpStatusCode).toBe(200);
      expect((await versionsOf()).stateMachineVersions).toEqual([]);
    });
  });

  describe('routing configuration validation', () => {
    let v1: string;
    let v2: string;
    let v3: string;
    beforeEach(async () => {
      v1 = (await publish()).stateMachineVersionArn!;
      await update('r1');
      v2 = (await publish()).stateMachineVersionArn!;
      await update('r2');
      v3 = (await publish()).stateMachineVersionArn!;
    });
    const rejected = async (routing: RoutingConfigurationListItem[]) => failure(createAlias('live', routing));

    it('allows at most 2 entries', async () => {
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 50 },
          { stateMachineVersionArn: v2, weight: 30 },
          { stateMachineVersionArn: v3, weight: 20 },
        ]),
      ).toEqual({
        name: 'ValidationException',
        status: 400,
        message:
          `1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn=${v1}, weight=50), ` +
          `RoutingConfigurationListItem(stateMachineVersionArn=${v2}, weight=30), RoutingConfigurationListItem(stateMachineVersionArn=${v3}, weight=20)]' ` +
          "at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2",
      });
    });

    it('requires at least 1 entry', async () => {
      expect(await rejected([])).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('length greater than or equal to 1'),
      });
    });

    it('requires distinct version ARNs', async () => {
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 50 },
          { stateMachineVersionArn: v1, weight: 50 },
        ]),
      ).toMatchObject({
        name: 'ValidationException',
        message: `Routing configuration must contain distinct state machine version ARNs. Received: [${v1}, ${v1}]`,
      });
    });

    it('requires version ARNs, not the state machine ARN', async () => {
      expect(
        await rejected([
          { stateMachineVersionArn: arn, weight: 50 },
          { stateMachineVersionArn: v2, weight: 50 },
        ]),
      ).toMatchObject({
        name: 'ValidationException',
        message: `Routing configuration must contain state machine version ARNs. Received: [${arn}, ${v2}]`,
      });
    });

    it('requires versions of one state machine', async () => {
      const other = await f.createStateMachine('other', passDefinition('o'), { publish: true });
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 50 },
          { stateMachineVersionArn: other.stateMachineVersionArn!, weight: 50 },
        ]),
      ).toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('of the same state machine'),
      });
    });

    it('bounds weights to 0..100', async () => {
      expect(await rejected([{ stateMachineVersionArn: v1, weight: 101 }])).toMatchObject({
        name: 'ValidationException',
        message:
          "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100",
      });
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 0 },
          { stateMachineVersionArn: v2, weight: 101 },
        ]),
      ).toMatchObject({
        message: expect.stringContaining("at 'routingConfiguration.2.member.weight'"),
      });
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: -1 },
          { stateMachineVersionArn: v2, weight: 101 },
        ]),
      ).toMatchObject({
        message:
          "1 validation error detected: Value '-1' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value greater than or equal to 0",
      });
    });

    it('requires weights summing to 100', async () => {
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 70 },
          { stateMachineVersionArn: v2, weight: 29 },
        ]),
      ).toMatchObject({
        name: 'ValidationException',
        message: 'Sum of routing configuration weights must equal 100. Received: [70, 29]',
      });
      expect(
        await rejected([
          { stateMachineVersionArn: v1, weight: 70 },
          { stateMachineVersionArn: v2, weight: 31 },
        ]),
      ).toMatchObject({
        message: 'Sum of routing configuration weights must equal 100. Received: [70, 31]',
      });
    });

    it('accepts a split with a zero weight and the same rules on update', async () => {
      const alias = await createAlias('live', [
        { stateMachineVersionArn: v1, weight: 100 },
        { stateMachineVersionArn: v2, weight: 0 },
      ]);
      expect(
        await failure(
          f.sfn.send(
            new UpdateStateMachineAliasCommand({
              stateMachineAliasArn: alias.stateMachineAliasArn,
              routingConfiguration: [{ stateMachineVersionArn: v1, weight: 99 }],
            }),
          ),
        ),
      ).toMatchObject({ message: 'Sum of routing configuration weights must equal 100. Received: [99]' });
    });
  });

  describe('aliases', () => {
    let v1: string;
    let v2: string;
    beforeEach(async () => {
      v1 = (await publish()).stateMachineVersionArn!;
      await update('r1');
      v2 = (await publish()).stateMachineVersionArn!;
    });

    it('creates an alias from version ARNs alone and describes it', async () => {
      const created = await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }], 'production');
      expect(created.stateMachineAliasArn).toBe(`${arn}:live`);
      const described = await f.sfn.send(
        new DescribeStateMachineAliasCommand({ stateMachineAliasArn: created.stateMachineAliasArn }),
      );
      expect(described).toMatchObject({
        name: 'live',
        description: 'production',
        stateMachineAliasArn: `${arn}:live`,
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      });
      expect(described.creationDate).toEqual(created.creationDate);
    });

    it('is idempotent for an identical create and conflicts otherwise', async () => {
      const first = await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }], 'd');
      const again = await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }], 'd');
      expect(again).toMatchObject({
        stateMachineAliasArn: first.stateMachineAliasArn,
        creationDate: first.creationDate,
      });
      const message =
        'Failed to create alias because an alias with the same name and a different routing configuration already exists.';
      expect(await failure(createAlias('live', [{ stateMachineVersionArn: v2, weight: 100 }], 'd'))).toEqual({
        name: 'ConflictException',
        status: 409,
        message,
      });
      expect(
        await failure(createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }], 'other')),
      ).toMatchObject({ name: 'ConflictException', message });
    });

    it.each(['123', 'INVALID ALIAS', '!INVALID', 'ALIAS@'])('rejects the alias name %j', async (name) => {
      expect(await failure(createAlias(name, [{ stateMachineVersionArn: v1, weight: 100 }]))).toEqual({
        name: 'ValidationException',
        status: 400,
        message: `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$`,
      });
    });

    it('rejects an alias name longer than 80 characters', async () => {
      expect(
        await failure(createAlias('A'.repeat(81), [{ stateMachineVersionArn: v1, weight: 100 }])),
      ).toMatchObject({
        message: expect.stringContaining('Member must have length less than or equal to 80'),
      });
    });

    it('updates routing and description, and fails for a missing alias', async () => {
      const { stateMachineAliasArn } = await createAlias('live', [
        { stateMachineVersionArn: v1, weight: 100 },
      ]);
      await f.sfn.send(
        new UpdateStateMachineAliasCommand({
          stateMachineAliasArn,
          routingConfiguration: [
            { stateMachineVersionArn: v1, weight: 90 },
            { stateMachineVersionArn: v2, weight: 10 },
          ],
        }),
      );
      const described = await f.sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }));
      expect(described.routingConfiguration).toEqual([
        { stateMachineVersionArn: v1, weight: 90 },
        { stateMachineVersionArn: v2, weight: 10 },
      ]);
      expect(
        await failure(
          f.sfn.send(
            new UpdateStateMachineAliasCommand({ stateMachineAliasArn: `${arn}:nope`, description: 'x' }),
          ),
        ),
      ).toMatchObject({
        name: 'ResourceNotFound',
        message: 'Request references a resource that does not exist.',
      });
    });

    it('lists aliases, or those referencing a version when given a version ARN', async () => {
      await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }]);
      await createAlias('beta', [{ stateMachineVersionArn: v2, weight: 100 }]);
      await createAlias('canary', [
        { stateMachineVersionArn: v1, weight: 80 },
        { stateMachineVersionArn: v2, weight: 20 },
      ]);
      const names = (out: { stateMachineAliases?: { stateMachineAliasArn?: string }[] }) =>
        out.stateMachineAliases!.map((a) => a.stateMachineAliasArn!.split(':').pop());
      expect(names(await f.sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn: arn })))).toEqual([
        'live',
        'beta',
        'canary',
      ]);
      expect(names(await f.sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn: v2 })))).toEqual([
        'beta',
        'canary',
      ]);
      const page1 = await f.sfn.send(
        new ListStateMachineAliasesCommand({ stateMachineArn: arn, maxResults: 2 }),
      );
      const page2 = await f.sfn.send(
        new ListStateMachineAliasesCommand({
          stateMachineArn: arn,
          maxResults: 2,
          nextToken: page1.nextToken,
        }),
      );
      expect([...names(page1), ...names(page2)]).toEqual(['live', 'beta', 'canary']);
    });

    it('deletes an alias (not its versions); deleting it again answers 200', async () => {
      const { stateMachineAliasArn } = await createAlias('live', [
        { stateMachineVersionArn: v1, weight: 100 },
      ]);
      await f.sfn.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn }));
      const again = await f.sfn.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn }));
      expect(again.$metadata.httpStatusCode).toBe(200);
      expect((await versionsOf()).stateMachineVersions).toHaveLength(2);
      await f.sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    });

    it('stops at the quota of 100 aliases', async () => {
      for (let i = 0; i < 100; i++) await createAlias(`a${i}`, [{ stateMachineVersionArn: v1, weight: 100 }]);
      expect(
        await failure(createAlias('one-more', [{ stateMachineVersionArn: v1, weight: 100 }])),
      ).toMatchObject({
        name: 'ServiceQuotaExceededException',
      });
    });

    it('goes away with its state machine', async () => {
      await createAlias('live', [{ stateMachineVersionArn: v1, weight: 100 }]);
      await f.sfn.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
      expect(
        await failure(
          f.sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${arn}:live` })),
        ),
      ).toMatchObject({
        name: 'ResourceNotFound',
      });
    });
  });

  describe('state machine definitions', () => {
    it('refuses a definition without States', async () => {
      expect(await failure(f.createStateMachine('bad', { StartAt: 'A' }))).toEqual({
        name: 'InvalidDefinition',
        status: 400,
        message:
          "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'",
      });
    });

    it('refuses a definition that is not JSON or does not hold together', async () => {
      expect(
        await failure(
          f.sfn.send(new UpdateStateMachineCommand({ stateMachineArn: arn, definition: 'not json' })),
        ),
      ).toMatchObject({
        name: 'InvalidDefinition',
        message: expect.stringContaining('INVALID_JSON_DESCRIPTION'),
      });
      const dangling = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' } } };
      expect(await failure(f.createStateMachine('dangling', dangling))).toMatchObject({
        name: 'InvalidDefinition',
        message: expect.stringContaining('MISSING_TRANSITION_TARGET'),
      });
    });

    it('answers StateMachineAlreadyExists for a different definition under the same name', async () => {
      await expect(f.createStateMachine('orders', passDefinition('r0'))).resolves.toMatchObject({
        stateMachineArn: arn,
      });
      expect(await failure(f.createStateMachine('orders', passDefinition('other')))).toEqual({
        name: 'StateMachineAlreadyExists',
        status: 400,
        message: `State Machine Already Exists: '${arn}'`,
      });
    });

    it('does not describe an alias ARN as a state machine', async () => {
      const v1 = (await publish()).stateMachineVersionArn!;
      const { stateMachineAliasArn } = await createAlias('live', [
        { stateMachineVersionArn: v1, weight: 100 },
      ]);
      expect(
        await failure(f.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: stateMachineAliasArn }))),
      ).toMatchObject({
        name: 'StateMachineDoesNotExist',
      });
    });
  });
});
