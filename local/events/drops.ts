/**
 * Best-effort delivery on demand. AWS delivers Step Functions status-change
 * events, CloudTrail events and asynchronous Lambda invocations on a best
 * effort basis (https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html);
 * the local cloud delivers all of them unless a test asks it to lose some,
 * by count or by probability (drawn from the cloud's seed), so code that must
 * survive a lost event can be tried against one.
 */
export interface DropSpec {
  /** Events of this `detail-type`, e.g. `Step Functions Execution Status Change` or `AWS API Call via CloudTrail`. */
  readonly detailType?: string;
  /** Asynchronous invocations of this function (ARN or name), e.g. an EventBridge rule's Lambda target. */
  readonly functionName?: string;
  /** Drop the next `count` that match. @default 1, unless `probability` is given */
  readonly count?: number;
  /** Drop each match with this probability (0 to 1), for as long as the switch is on. */
  readonly probability?: number;
}

/** What was lost, for tests to assert on. */
export interface Dropped {
  readonly detailType?: string;
  readonly functionArn?: string;
  readonly id?: string;
  readonly timeMs: number;
}

interface ActiveDrop {
  readonly detailType?: string;
  readonly functionName?: string;
  remaining?: number;
  readonly probability?: number;
}

export class DropSwitch {
  readonly dropped: Dropped[] = [];
  private drops: ActiveDrop[] = [];

  constructor(private readonly random: () => number) {}

  /** Turns a drop on; throws, naming the field, on a bad spec. */
  add(spec: DropSpec): void {
    const { detailType, functionName, count, probability } = spec;
    if ((detailType === undefined) === (functionName === undefined)) {
      throw new Error(`give exactly one of detailType or functionName, got: ${JSON.stringify(spec)}`);
    }
    for (const [field, value] of [
      ['detailType', detailType],
      ['functionName', functionName],
    ] as const) {
      if (value !== undefined && (typeof value !== 'string' || value === '')) {
        throw new Error(`${field} must be a non-empty string, got: ${JSON.stringify(value)}`);
      }
    }
    if (count !== undefined && probability !== undefined)
      throw new Error(`give count or probability, not both, got: ${JSON.stringify(spec)}`);
    if (count !== undefined && (!Number.isInteger(count) || count < 1))
      throw new Error(`count must be an integer >= 1, got: ${JSON.stringify(count)}`);
    if (
      probability !== undefined &&
      (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))
    ) {
      throw new Error(`probability must be a number from 0 to 1, got: ${JSON.stringify(probability)}`);
    }
    this.drops.push({
      detailType,
      functionName,
      probability,
      remaining: probability === undefined ? (count ?? 1) : undefined,
    });
  }

  /** Turns every drop off. */
  clear(): void {
    this.drops = [];
  }

  pending(): DropSpec[] {
    return this.drops.map(({ detailType, functionName, remaining, probability }) => ({
      detailType,
      functionName,
      count: remaining,
      probability,
    }));
  }

  /** Whether to lose this event (and records it if so). */
  dropEvent(event: { readonly id: string } & Record<string, unknown>, nowMs: number): boolean {
    const detailType = String(event['detail-type']);
    if (!this.take((drop) => drop.detailType === detailType)) return false;
    this.dropped.push({ detailType, id: event.id, timeMs: nowMs });
    return true;
  }

  /** Whether to lose this asynchronous invocation (and records it if so). */
  dropInvocation(functionArn: string, nowMs: number): boolean {
    const name = functionArn.split(':')[6];
    if (!this.take((drop) => drop.functionName === functionArn || drop.functionName === name)) return false;
    this.dropped.push({ functionArn, timeMs: nowMs });
    return true;
  }

  /** A counted drop that matches is used up first; otherwise a random one rolls. */
  private take(matches: (drop: ActiveDrop) => boolean): boolean {
    const counted = this.drops.find((drop) => drop.remaining !== undefined && matches(drop));
    if (counted) {
      counted.remaining! -= 1;
      if (counted.remaining === 0) this.drops = this.drops.filter((d) => d !== counted);
      return true;
    }
    const random = this.drops.find((drop) => drop.probability !== undefined && matches(drop));
    return random !== undefined && this.random() < random.probability!;
  }
}
