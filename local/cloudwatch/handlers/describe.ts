import { Alarm, AlarmType, STATE_VALUES, describeAlarm, epochSeconds } from '../alarm-model';
import { HISTORY_ITEM_TYPES, describeHistoryItem } from '../history';
import { Input, validationError } from '../input';
import { decodeToken, encodeToken, paginate } from '../pagination';
import { CloudWatchContext } from './context';

const ALARM_TYPES = ['CompositeAlarm', 'MetricAlarm', 'LogAlarm'] as const;
/** "If you omit this parameter, only metric alarms are returned, even if composite alarms exist." */
const DEFAULT_ALARM_TYPES: readonly AlarmType[] = ['MetricAlarm'];
const DESCRIBE_ALARMS_DEFAULT_MAX = 50;
const HISTORY_DEFAULT_MAX = 100;

export function describeAlarms(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const names = input.stringList('AlarmNames', { max: 100 });
  names?.forEach((n, i) => checkNameLength(n, `AlarmNames.member.${i + 1}`));
  const prefix = input.string('AlarmNamePrefix', { min: 1, max: 255 });
  const types = readAlarmTypes(input);
  const childrenOf = input.string('ChildrenOfAlarmName', { min: 1, max: 255 });
  const parentsOf = input.string('ParentsOfAlarmName', { min: 1, max: 255 });
  const stateValue = input.enumValue('StateValue', STATE_VALUES);
  const actionPrefix = input.string('ActionPrefix', { min: 1, max: 1024 });
  const maxRecords = input.int('MaxRecords', { min: 1, max: 100 }) ?? DESCRIBE_ALARMS_DEFAULT_MAX;
  const nextToken = input.string('NextToken');

  if (names !== undefined && prefix !== undefined) {
    throw validationError('AlarmNamePrefix cannot be specified together with AlarmNames.');
  }
  const filters = {
    AlarmNames: names,
    AlarmNamePrefix: prefix,
    AlarmTypes: types,
    StateValue: stateValue,
    ActionPrefix: actionPrefix,
  };
  const given = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
  for (const [member, value] of [
    ['ChildrenOfAlarmName', childrenOf],
    ['ParentsOfAlarmName', parentsOf],
  ] as const) {
    if (value !== undefined && (given.length > 0 || (childrenOf !== undefined && parentsOf !== undefined))) {
      throw validationError(
        `If ${member} is specified, only MaxRecords and NextToken may be specified with it.`,
      );
    }
  }

  let alarms: Alarm[];
  let view: (a: Alarm) => Record<string, unknown> = describeAlarm;
  if (childrenOf !== undefined) {
    const parent = ctx.alarms.get(childrenOf);
    alarms =
      parent?.type === 'CompositeAlarm'
        ? ctx.alarms.all().filter((a) => parent.children.includes(a.name))
        : [];
    // "Only the Alarm Name, ARN, StateValue (OK/ALARM/INSUFFICIENT_DATA), and StateUpdatedTimestamp information are returned."
    view = (a) => ({
      AlarmName: a.name,
      AlarmArn: a.arn,
      StateValue: a.state.value,
      StateUpdatedTimestamp: epochSeconds(a.state.updatedMs),
    });
  } else if (parentsOf !== undefined) {
    alarms = ctx.alarms.parentsOf(parentsOf);
    // "Only the Alarm Name and ARN are returned."
    view = (a) => ({ AlarmName: a.name, AlarmArn: a.arn });
  } else {
    const wanted = types ?? DEFAULT_ALARM_TYPES;
    alarms = ctx.alarms
      .all()
      .filter(
        (a) =>
          wanted.includes(a.type) &&
          (names === undefined || names.includes(a.name)) &&
          (prefix === undefined || a.name.startsWith(prefix)) &&
          (stateValue === undefined || a.state.value === stateValue) &&
          (actionPrefix === undefined ||
            [...a.alarmActions, ...a.okActions, ...a.insufficientDataActions].some((x) =>
              x.startsWith(actionPrefix),
            )),
      );
  }
  // Metric alarms first, then composite alarms, each sorted by name; one page spans both lists.
  const ordered = [
    ...alarms.filter((a) => a.type === 'MetricAlarm'),
    ...alarms.filter((a) => a.type === 'CompositeAlarm'),
  ];
  const { page, nextToken: next } = paginate(ordered, 'DescribeAlarms', nextToken, maxRecords);
  return {
    MetricAlarms: page.filter((a) => a.type === 'MetricAlarm').map(view),
    CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map(view),
    ...(next !== undefined && { NextToken: next }),
  };
}

export function describeAlarmHistory(ctx: CloudWatchContext, input: Input): Record<string, unknown> {
  const alarmName = input.string('AlarmName', { min: 1, max: 255 });
  input.string('AlarmContributorId', { min: 1, max: 16 });
  const types = readAlarmTypes(input) ?? DEFAULT_ALARM_TYPES;
  const type = input.enumValue('HistoryItemType', HISTORY_ITEM_TYPES);
  const startMs = input.timestamp('StartDate');
  const endMs = input.timestamp('EndDate');
  const maxRecords = input.int('MaxRecords', { min: 1, max: 100 }) ?? HISTORY_DEFAULT_MAX;
  const nextToken = input.string('NextToken');
  const ascending =
    input.enumValue('ScanBy', ['TimestampDescending', 'TimestampAscending'] as const) ===
    'TimestampAscending';

  const items = ctx.alarms.history.query(
    {
      ...(alarmName !== undefined && { alarmName }),
      alarmTypes: types,
      ...(type !== undefined && { type }),
      ...(startMs !== undefined && { startMs }),
      ...(endMs !== undefined && { endMs }),
      ascending,
    },
    ctx.clock.now(),
  );
  // The token is a cursor (the last item's sequence number), so items recorded between two pages
  // neither repeat nor shift what the next page holds.
  const operation = `DescribeAlarmHistory/${ascending ? 'asc' : 'desc'}`;
  let start = 0;
  if (nextToken !== undefined) {
    const after = decodeToken(nextToken, operation);
    start = items.findIndex((i) => (ascending ? i.seq > after : i.seq < after));
    if (start < 0) start = items.length;
  }
  const page = items.slice(start, start + maxRecords);
  const last = page[page.length - 1];
  const more = start + page.length < items.length;
  return {
    AlarmHistoryItems: page.map(describeHistoryItem),
    ...(more && last && { NextToken: encodeToken(operation, last.seq) }),
  };
}

function readAlarmTypes(input: Input): AlarmType[] | undefined {
  const types = input.stringList('AlarmTypes');
  types?.forEach((t, i) => {
    if (!(ALARM_TYPES as readonly string[]).includes(t)) {
      throw validationError(
        `1 validation error detected: Value '${t}' at 'alarmTypes.${i + 1}.member' failed to satisfy constraint: ` +
          `Member must satisfy enum value set: [${ALARM_TYPES.join(', ')}]`,
      );
    }
  });
  // Log alarms are a valid type to ask for; this CloudWatch simply has none.
  return types?.filter((t): t is AlarmType => t === 'MetricAlarm' || t === 'CompositeAlarm');
}

function checkNameLength(name: string, member: string): void {
  if (name.length < 1 || name.length > 255) {
    throw validationError(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: ` +
        'Member must have length between 1 and 255',
    );
  }
}
