/** `sfn-deploy watch <execution-arn>`: follows a deployment live, exits as it ends. */
import { checkAwsSetup } from '../aws';
import { EXIT, UsageError } from '../errors';
import { follow } from '../follow';
import type { AwsClients, Io } from '../io';
import { createRenderer, renderMode } from '../render';

export interface FollowOptions {
  json?: boolean;
  /** Seconds between polls, as typed. */
  refresh?: string;
}

export const DEFAULT_REFRESH_SECONDS = 2;

export interface WatchDeps {
  clients: Pick<AwsClients, 'sfn' | 'cloudWatch' | 'serviceNow'>;
  io: Io;
}

export async function watchExecution(
  executionArn: string,
  options: FollowOptions,
  deps: WatchDeps,
): Promise<number> {
  await checkAwsSetup(deps.clients.sfn);
  return followToEnd(executionArn, options, deps);
}

/** Follows the execution, rendering for the terminal it has; 0 when it succeeded, 1 otherwise. */
export async function followToEnd(
  executionArn: string,
  options: FollowOptions,
  deps: WatchDeps,
): Promise<number> {
  const refreshSeconds = refreshOf(options.refresh);
  // Step end times are the service's: count down with its clock, not the machine's.
  const now = deps.clients.serviceNow ?? deps.io.now;
  const mode = renderMode(options, deps.io.isTTY);
  // Without a region to draw on, a terminal gets plain lines.
  const region = mode === 'live' ? await deps.io.openLiveRegion?.() : undefined;
  const renderer = createRenderer(mode === 'live' && !region ? 'lines' : mode, { ...deps.io, now }, region);
  const final = await follow(
    executionArn,
    {
      sfn: deps.clients.sfn,
      cloudWatch: deps.clients.cloudWatch,
      sleep: deps.io.sleep,
      now,
      refreshSeconds,
    },
    renderer,
  );
  renderer.finish(final);
  return final.type === 'succeeded' ? EXIT.OK : EXIT.FAILED;
}

/** Seconds between polls; a bad value is a usage error, found before anything is started. */
export function refreshOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_REFRESH_SECONDS;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(
      `--refresh must be a number of seconds greater than 0, got: ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}
