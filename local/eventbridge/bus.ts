/**
 * The local cloud's EventBridge: rules (read from a synthesized template by
 * {@link rulesFromTemplate}) evaluated against the events the cloud emits.
 * Like EventBridge, delivery is asynchronous and best effort: `putEvent`
 * returns at once, a failed delivery is logged and recorded, never retried.
 * Targets may be state machines (started with the target's input) or local
 * Lambda functions (invoked with it, `InvocationType: Event`: Lambda's own
 * retries and on-failure destination apply, see `lambda/async-invocations.ts`;
 * a delivery records the first attempt's outcome). A state machine target's `RoleArn` must allow
 * `states:StartExecution` when IAM is enforced for it (`authorize`); the target's `RetryPolicy` and
 * `DeadLetterConfig` are not applied. Schedule rules
 * (`rate(…)`) fire on the virtual clock as time passes.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BusyClock } from '../clock/clock';
import type { RoleAuthorizer } from '../stepfunctions/integrations';
import { partitionOf } from '../stepfunctions/arns';
import { targetInput } from './input';
import { matchesPattern } from './pattern';
import type { TemplateRule } from './rules';

export interface EventBusOptions {
  readonly clock: BusyClock;
  readonly region: string;
  readonly accountId: string;
  /** Starts an execution of a rule's state machine target; resolves to the execution ARN. */
  readonly startExecution: (stateMachineArn: string, input: string) => Promise<string>;
  /** Invokes a local Lambda function target asynchronously (`InvocationType: Event`). */
  readonly invokeFunction: (functionArn: string, input: string) => Promise<void>;
  /** Checks what a target's role does (IAM); unset, targets' roles are not checked. */
  readonly authorize?: RoleAuthorizer;
}

/** An event as EventBridge carries it; `id` names it in {@link Delivery}. */
export type BusEvent = { readonly id: string } & Record<string, unknown>;

/** What one rule target did with one event. */
export interface Delivery {
  readonly eventId: string;
  readonly rule: string;
  readonly targetArn: string;
  readonly input?: string;
  readonly executionArn?: string;
  readonly error?: string;
}

/** Kept for inspection (tests, debugging); older entries are dropped. */
const KEEP = 1000;
const STATE_MACHINE_ARN = /^arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+$/;
const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+(:[^:]+)?$/;

export class EventBus {
  /** Events put on any bus, newest last. */
  readonly events: BusEvent[] = [];
  readonly deliveries: Delivery[] = [];
  private readonly rules = new Map<string, TemplateRule>();
  private readonly pending = new Set<Promise<void>>();
  private readonly listeners = new Set<(event: BusEvent) => void>();
  /** The clock timers of schedule rules, by rule. */
  private readonly schedules = new Map<string, () => void>();

  constructor(private readonly options: EventBusOptions) {}

  /** Adds rules, replacing any of the same logical id (the local rule name). Schedule rules start ticking on the clock. */
  putRules(rules: readonly TemplateRule[]): void {
    for (const rule of rules) {
      this.rules.set(rule.logicalId, rule);
      this.schedule(rule);
    }
  }

  /** Starts an enabled schedule rule's timer, or stops a disabled one's (a stopped timer costs nothing as time passes). */
  private schedule(rule: TemplateRule): void {
    this.schedules.get(rule.logicalId)?.();
    this.schedules.delete(rule.logicalId);
    if (rule.schedulePeriodMs !== undefined && rule.enabled) {
      this.schedules.set(
        rule.logicalId,
        this.options.clock.every(rule.schedulePeriodMs, (nowMs) => this.fireSchedule(rule.logicalId, nowMs)),
      );
    }
  }

  /** Stops the schedule rules' timers. */
  stop(): void {
    for (const cancel of this.schedules.values()) cancel();
    this.schedules.clear();
  }

  /**
   * A schedule rule's event, as EventBridge sends it to its targets
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
   * It goes to that rule's targets only, never on the bus.
   */
  private fireSchedule(logicalId: string, nowMs: number): void {
    const rule = this.rules.get(logicalId);
    if (!rule?.enabled) return;
    const ruleArn = this.ruleArn(rule);
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: this.options.accountId,
      time: new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.options.region,
      resources: [ruleArn],
      detail: {},
    };
    const context = { ruleName: rule.logicalId, ruleArn, ingestionTime: new Date(nowMs).toISOString() };
    for (const target of rule.targets)
      this.deliver(event, rule, target, () => targetInput(target, event, context));
  }

  /** `EnableRule` / `DisableRule`. */
  setRuleEnabled(name: string, enabled: boolean): void {
    const rule = this.rules.get(name);
    if (!rule) throw new Error(`No rule ${name} on the local event bus`);
    if (rule.enabled === enabled) return;
    const updated = { ...rule, enabled };
    this.rules.set(name, updated);
    this.schedule(updated);
  }

  listRules(): TemplateRule[] {
    return [...this.rules.values()];
  }

  /** Calls `listener` with every event put on any bus from now on; returns a function that stops it. */
  subscribe(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Matches the event against the enabled rules of the bus and delivers it to their targets in the background. */
  putEvent(event: BusEvent, eventBusName = 'default'): void {
    keep(this.events, event);
    for (const listener of this.listeners) listener(event);
    const ingestionTime = new Date(this.options.clock.now()).toISOString();
    for (const rule of this.rules.values()) {
      if (
        !rule.enabled ||
        rule.eventBusName !== eventBusName ||
        !rule.eventPattern ||
        !matchesPattern(rule.eventPattern, event)
      )
        continue;
      for (const target of rule.targets) {
        const context = { ruleName: rule.logicalId, ruleArn: this.ruleArn(rule), ingestionTime };
        this.deliver(event, rule, target, () => targetInput(target, event, context));
      }
    }
  }

  /** Resolves once every delivery started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /**
   * Delivers after the caller's turn, holding the clock so no fast-forward jump
   * overtakes it until the target has started; a started execution or Lambda
   * invocation then holds the clock itself while it works.
   */
  private deliver(
    event: BusEvent,
    rule: TemplateRule,
    target: TemplateRule['targets'][number],
    input: () => string,
  ): void {
    const targetArn = target.Arn;
    const hold = this.options.clock.hold();
    const work = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const delivery: { -readonly [K in keyof Delivery]: Delivery[K] } = {
        eventId: event.id,
        rule: rule.logicalId,
        targetArn,
      };
      try {
        delivery.input = input();
        if (STATE_MACHINE_ARN.test(targetArn)) {
          // EventBridge starts the execution as the target's role, under a session of its own.
          if (target.RoleArn !== undefined && this.options.authorize) {
            const sessionName = createHash('sha256').update(this.ruleArn(rule)).digest('hex').slice(0, 32);
            const denied = await this.options.authorize({ roleArn: target.RoleArn, sessionName }, [
              { action: 'states:StartExecution', resource: targetArn },
            ]);
            if (denied) throw denied;
          }
          delivery.executionArn = await this.options.startExecution(targetArn, delivery.input);
        } else if (FUNCTION_ARN.test(targetArn)) {
          const invocation = this.options.invokeFunction(targetArn, delivery.input);
          hold.release();
          await invocation;
        } else throw new Error('only state machine and Lambda function targets are supported locally');
      } catch (error) {
        delivery.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        console.error(
          `local event bus: rule ${rule.logicalId} could not deliver event ${event.id} to ${targetArn}: ${delivery.error}`,
        );
      } finally {
        hold.release();
      }
      keep(this.deliveries, delivery);
    })();
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private ruleArn(rule: TemplateRule): string {
    const { region, accountId } = this.options;
    const bus = rule.eventBusName === 'default' ? '' : `${rule.eventBusName}/`;
    return `arn:${partitionOf(region)}:events:${region}:${accountId}:rule/${bus}${rule.logicalId}`;
  }
}

function keep<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > KEEP) list.splice(0, list.length - KEEP);
}
