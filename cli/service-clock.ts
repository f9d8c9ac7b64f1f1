/**
 * "Now" as the service sees it, from the `Date` header of its responses:
 * AWS's clock on AWS, the virtual clock on the local cloud (which runs
 * faster than the machine's or jumps ahead). Step times (`stepEndsAt`) are in
 * the service's time, so a countdown against the machine's clock is wrong
 * wherever the two differ.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';

export class ServiceClock {
  /** Service time minus machine time, at the last response; unknown until one is seen. */
  private offsetMs: number | undefined;

  constructor(private readonly machineNow: () => Date = () => new Date()) {}

  /** Reads a response's `Date` header (RFC 9110 IMF-fixdate); one that does not parse is ignored. */
  observe(dateHeader: string | undefined): void {
    const serviceMs = dateHeader === undefined ? NaN : Date.parse(dateHeader);
    if (Number.isFinite(serviceMs)) this.offsetMs = serviceMs - this.machineNow().getTime();
  }

  /** The service's time now: the machine's time moved by the offset seen last, or the machine's time before any response. */
  now(): Date {
    return new Date(this.machineNow().getTime() + (this.offsetMs ?? 0));
  }

  /** Records the `Date` header of every response the client receives, errors included. */
  watch(client: Pick<SFNClient, 'middlewareStack'>): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          const result = await next(args);
          this.observe(dateOf(result.response));
          return result;
        } catch (error) {
          this.observe(dateOf((error as { $response?: unknown }).$response));
          throw error;
        }
      },
      { step: 'deserialize', name: 'serviceClock', priority: 'low' },
    );
  }
}

function dateOf(response: unknown): string | undefined {
  const headers = (response as { headers?: Record<string, string | undefined> } | undefined)?.headers;
  return headers?.date ?? headers?.Date;
}
