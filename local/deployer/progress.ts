/**
 * What `npm run local` prints while it serves: each deployment of the
 * loaded deployer as it starts and ends, and each change of a target's
 * alias, stamped with the cloud's virtual time. Read from the events the
 * cloud already sends (execution status changes, CloudTrail records), so it
 * shows what a user would see on AWS in EventBridge.
 */
import type { BusEvent } from '../eventbridge/bus';
import { EXECUTION_STATUS_CHANGE } from '../events/execution-status';

/** One line per deployment start or end, or alias change; `undefined` for any other event. */
export function progressLine(event: BusEvent, deployerArn: string): string | undefined {
  const detail = (event.detail ?? {}) as Record<string, unknown>;
  const time = String(event.time ?? '')
    .replace('T', ' ')
    .replace('Z', '');
  if (event['detail-type'] === EXECUTION_STATUS_CHANGE && detail.stateMachineArn === deployerArn) {
    const name = String(detail.name);
    switch (detail.status) {
      case 'RUNNING':
        return `${time}  deployment ${name} started`;
      case 'SUCCEEDED': {
        const output = parse(detail.output);
        return `${time}  deployment ${name} succeeded${typeof output?.outcome === 'string' ? `: ${output.outcome}` : ''}`;
      }
      default:
        return `${time}  deployment ${name} ${String(detail.status).toLowerCase()}: ${String(detail.error ?? '')}${detail.cause ? ` (${firstLine(String(detail.cause))})` : ''}`;
    }
  }
  if (
    event['detail-type'] === 'AWS API Call via CloudTrail' &&
    detail.eventName === 'UpdateStateMachineAlias' &&
    !detail.errorCode
  ) {
    const request = detail.requestParameters as {
      stateMachineAliasArn?: string;
      routingConfiguration?: { stateMachineVersionArn: string; weight: number }[];
    };
    if (!request.routingConfiguration) return undefined;
    const routing = request.routingConfiguration
      .map((entry) => `${shortArn(entry.stateMachineVersionArn)} ${entry.weight}%`)
      .join(', ');
    return `${time}  alias ${shortArn(request.stateMachineAliasArn ?? '')} → ${routing}`;
  }
  return undefined;
}

/** `orders:live` from a state machine alias or version ARN. */
function shortArn(arn: string): string {
  return arn.split(':stateMachine:').at(-1) ?? arn;
}

function firstLine(text: string, max = 200): string {
  const line = text.split('\n')[0]!;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function parse(json: unknown): Record<string, unknown> | undefined {
  if (typeof json !== 'string') return undefined;
  try {
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
