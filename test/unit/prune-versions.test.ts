import {
  ConflictException,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CONFLICT_RETRY_DELAYS_MS,
  pruneVersions,
  type PruneVersionsDeps,
  THROTTLE_DELAY_MS,
  TIME_MARGIN_MS,
} from '../../lambda/prune-versions';
import type { DeployerState } from '../../lambda/shared/deployment';
import { ALIAS_ARN, at, entry, loopState, STATE_MACHINE_ARN, T0, throttling, version } from './fixtures';

const sfnMock = mockClient(SFNClient);
const BETA_ALIAS_ARN = `${STATE_MACHINE_ARN}:beta`;

/** Version ARNs from `newest` down to 1, as ListStateMachineVersions returns them. */
function versionsDownFrom(newest: number, oldest = 1): string[] {
  return Array.from({ length: newest - oldest + 1 }, (_, index) => version(newest - index));
}

function listed(arns: string[]) {
  return arns.map((stateMachineVersionArn) => ({ stateMachineVersionArn, creationDate: T0 }));
}

/**
 * orders has versions 1..`newest`; live routes 100% to the target; more
 * aliases can be given with their routing. Deletes succeed unless told otherwise.
 */
function givenVersions(newest: number, otherAliases: Record<string, ReturnType<typeof entry>[]> = {}): void {
  sfnMock
    .on(ListStateMachineVersionsCommand)
    .resolves({ stateMachineVersions: listed(versionsDownFrom(newest)) });
  const aliases = [ALIAS_ARN, ...Object.keys(otherAliases)];
  sfnMock.on(ListStateMachineAliasesCommand).resolves({
    stateMachineAliases: aliases.map((stateMachineAliasArn) => ({
      stateMachineAliasArn,
      creationDate: T0,
    })),
  });
  sfnMock
    .on(DescribeStateMachineAliasCommand)
    .resolves({ stateMachineAliasArn: ALIAS_ARN, routingConfiguration: [entry(version(newest), 100)] });
  for (const [aliasArn, routing] of Object.entries(otherAliases)) {
    sfnMock
      .on(DescribeStateMachineAliasCommand, { stateMachineAliasArn: aliasArn })
      .resolves({ stateMachineAliasArn: aliasArn, routingConfiguration: routing });
  }
  sfnMock.on(DeleteStateMachineVersionCommand).resolves({});
}

/** A promoted deployment of `target` over `origin`, about to prune. */
function promoted(
  historyMax: number,
  origin: number,
  target: number,
  extra: Partial<DeployerState> = {},
): DeployerState {
  const state = loopState(
    { historyMax },
    {
      originVersionArn: version(origin),
      targetVersionArn: version(target),
      routing: [entry(version(target), 100)],
      timeline: [{ at: at(0), weight: 100 }],
      next: 'FINISH',
    },
  );
  return { ...state, ...extra };
}

function deletedVersions(): string[] {
  return sfnMock
    .commandCalls(DeleteStateMachineVersionCommand)
    .map((call) => call.args[0].input.stateMachineVersionArn!);
}

const conflict = () =>
  new ConflictException({
    message:
      'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]',
    $metadata: {},
  });

function deps(overrides: Partial<PruneVersionsDeps> = {}): PruneVersionsDeps {
  return { sfn: new SFNClient({}), sleep: jest.fn(async () => undefined), ...overrides };
}

beforeEach(() => {
  sfnMock.reset();
});

describe('prune-versions', () => {
  it('keeps exactly historyMax newest versions and deletes the rest', async () => {
    // Arrange
    givenVersions(6);

    // Act
    const next = await pruneVersions({ state: promoted(2, 5, 6) }, deps());

    // Assert
    expect(deletedVersions()).toEqual([version(4), version(3), version(2), version(1)]);
    expect(next.result?.prunedVersionArns).toEqual([version(4), version(3), version(2), version(1)]);
    expect(next.deployment?.next).toBe('FINISH');
  });

  it('reports the promotion as its result', async () => {
    givenVersions(6);

    const next = await pruneVersions({ state: promoted(2, 5, 6) }, deps());

    expect(next.result).toEqual({
      outcome: 'PROMOTED',
      stateMachineArn: STATE_MACHINE_ARN,
      aliasArn: ALIAS_ARN,
      fromVersionArn: version(5),
      toVersionArn: version(6),
      timeline: [{ at: at(0), weight: 100 }],
      prunedVersionArns: [version(4), version(3), version(2), version(1)],
    });
  });

  it('never deletes the origin, the target, or a version another alias routes to', async () => {
    // Arrange: the origin (3) is older than the two newest; beta is split over 1 and 2.
    givenVersions(8, { [BETA_ALIAS_ARN]: [entry(version(1), 60), entry(version(2), 40)] });

    // Act
    const next = await pruneVersions({ state: promoted(2, 3, 8) }, deps());

    // Assert
    expect(deletedVersions()).toEqual([version(6), version(5), version(4)]);
    expect(next.result?.prunedVersionArns).not.toEqual(
      expect.arrayContaining([version(1), version(2), version(3), version(7), version(8)]),
    );
    expect(sfnMock).toHaveReceivedCommandWith(ListStateMachineAliasesCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
    });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeStateMachineAliasCommand, {
      stateMachineAliasArn: BETA_ALIAS_ARN,
    });
  });

  it('keeps the target even when it is not among the newest', async () => {
    // A version was published after this deployment's target.
    givenVersions(5);

    await pruneVersions({ state: promoted(2, 2, 3) }, deps());

    expect(deletedVersions()).toEqual([version(1)]);
  });

  it('reads every page of the versions', async () => {
    // Arrange: 1,500 versions over two pages of 1,000 and 500.
    givenVersions(1500);
    sfnMock
      .on(ListStateMachineVersionsCommand)
      .resolves({ stateMachineVersions: listed(versionsDownFrom(1500, 501)), nextToken: 'page-2' });
    sfnMock
      .on(ListStateMachineVersionsCommand, { nextToken: 'page-2' })
      .resolves({ stateMachineVersions: listed(versionsDownFrom(500)) });

    // Act
    const next = await pruneVersions({ state: promoted(1000, 1499, 1500) }, deps());

    // Assert
    expect(sfnMock).toHaveReceivedCommandTimes(ListStateMachineVersionsCommand, 2);
    expect(sfnMock).toHaveReceivedNthSpecificCommandWith(1, ListStateMachineVersionsCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 1000,
      nextToken: undefined,
    });
    expect(sfnMock).toHaveReceivedNthSpecificCommandWith(2, ListStateMachineVersionsCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 1000,
      nextToken: 'page-2',
    });
    expect(next.result?.prunedVersionArns).toEqual(versionsDownFrom(500));
  });

  it('retries a conflict while the alias update settles, then deletes the version', async () => {
    // Arrange
    givenVersions(4);
    sfnMock
      .on(DeleteStateMachineVersionCommand, { stateMachineVersionArn: version(2) })
      .rejectsOnce(conflict())
      .resolves({});
    const sleep = jest.fn(async (_ms: number) => undefined);

    // Act
    const next = await pruneVersions({ state: promoted(2, 3, 4) }, deps({ sleep }));

    // Assert
    expect(sleep).toHaveBeenCalledTimes(1);
    expect(sleep).toHaveBeenCalledWith(CONFLICT_RETRY_DELAYS_MS[0]);
    expect(deletedVersions()).toEqual([version(2), version(2), version(1)]);
    expect(next.result?.prunedVersionArns).toEqual([version(2), version(1)]);
  });

  it('keeps a version that still conflicts after every retry, without failing', async () => {
    givenVersions(4);
    sfnMock.on(DeleteStateMachineVersionCommand, { stateMachineVersionArn: version(2) }).rejects(conflict());
    const sleep = jest.fn(async (_ms: number) => undefined);

    const next = await pruneVersions({ state: promoted(2, 3, 4) }, deps({ sleep }));

    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(next.result?.prunedVersionArns).toEqual([version(1)]);
    expect(next.deployment?.next).toBe('FINISH');
  });

  it('makes no call when historyMax is 0', async () => {
    givenVersions(6);

    const next = await pruneVersions({ state: promoted(0, 5, 6) }, deps());

    expect(sfnMock.calls()).toHaveLength(0);
    expect(next.result).toMatchObject({ outcome: 'PROMOTED', prunedVersionArns: [] });
    expect(next.deployment?.next).toBe('FINISH');
  });

  it('stops before its time runs out and continues in the next call', async () => {
    // Arrange: versions 1..8 of which 1..6 go; time runs short after two deletes.
    givenVersions(8);
    const remaining = [600_000, 600_000, TIME_MARGIN_MS - 1];
    const first = await pruneVersions(
      { state: promoted(2, 7, 8) },
      deps({ timeLeftMs: () => remaining.shift() ?? 0 }),
    );
    expect(first.deployment?.next).toBe('PRUNE');
    expect(first.result?.prunedVersionArns).toEqual([version(6), version(5)]);

    // The deleted versions are gone from the next listing.
    sfnMock
      .on(ListStateMachineVersionsCommand)
      .resolves({ stateMachineVersions: listed([version(8), version(7), ...versionsDownFrom(4)]) });

    // Act
    const second = await pruneVersions({ state: first }, deps({ timeLeftMs: () => 600_000 }));

    // Assert
    expect(second.deployment?.next).toBe('FINISH');
    expect(second.result?.prunedVersionArns).toEqual([
      version(6),
      version(5),
      version(4),
      version(3),
      version(2),
      version(1),
    ]);
    expect(deletedVersions()).toEqual([
      version(6),
      version(5),
      version(4),
      version(3),
      version(2),
      version(1),
    ]);
  });

  it('never sleeps past the end of its invocation while retrying a conflict', async () => {
    // Arrange: a clock that only moves while sleeping, starting just at the margin.
    givenVersions(5);
    sfnMock.on(DeleteStateMachineVersionCommand).rejects(conflict());
    let left = TIME_MARGIN_MS;
    const sleep = jest.fn(async (ms: number) => {
      left -= ms;
    });

    // Act
    const next = await pruneVersions({ state: promoted(2, 4, 5) }, deps({ sleep, timeLeftMs: () => left }));

    // Assert: the conflict retries of one version fit in the margin, and pruning stops after it.
    expect(left).toBeGreaterThan(0);
    expect(next.deployment?.next).toBe('PRUNE');
    expect(next.result?.prunedVersionArns).toEqual([]);
  });

  it('waits out throttling a second at a time and deletes the same version', async () => {
    // Arrange: versions 1..4, 3 serves, 4 is the target; the first two deletes are throttled past the SDK's retries.
    givenVersions(4);
    sfnMock
      .on(DeleteStateMachineVersionCommand)
      .rejectsOnce(throttling())
      .rejectsOnce(throttling())
      .resolves({});
    const sleep = jest.fn(async () => undefined);

    // Act
    const next = await pruneVersions({ state: promoted(2, 3, 4) }, deps({ sleep }));

    // Assert: version 2 is tried until it goes, then version 1.
    expect(sleep.mock.calls).toEqual([[THROTTLE_DELAY_MS], [THROTTLE_DELAY_MS]]);
    expect(deletedVersions()).toEqual([version(2), version(2), version(2), version(1)]);
    expect(next.deployment?.next).toBe('FINISH');
    expect(next.result?.prunedVersionArns).toEqual([version(2), version(1)]);
  });

  it('stops and continues in the next call when throttling outlasts its time', async () => {
    // Arrange: every delete is throttled; the clock only moves while sleeping.
    givenVersions(6);
    sfnMock.on(DeleteStateMachineVersionCommand).rejects(throttling());
    let left = TIME_MARGIN_MS + 5 * THROTTLE_DELAY_MS;
    const sleep = jest.fn(async (ms: number) => {
      left -= ms;
    });

    // Act
    const next = await pruneVersions({ state: promoted(2, 5, 6) }, deps({ sleep, timeLeftMs: () => left }));

    // Assert: no error escapes; what is left is for the next invocation.
    expect(next.deployment?.next).toBe('PRUNE');
    expect(next.result?.prunedVersionArns).toEqual([]);
    expect(left).toBeGreaterThan(0);
  });
});
