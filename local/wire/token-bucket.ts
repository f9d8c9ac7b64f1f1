import type { Clock } from '../clock/clock';
import type { TokenBucketLimit } from './service';

/** AWS-style token buckets, refilled on the virtual clock so throttling follows virtual time. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(private readonly clock: Clock) {}

  /** Takes one token from the bucket `key`; false when it is empty (the call is throttled). */
  take(key: string, limit: TokenBucketLimit): boolean {
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.bucketSize, atMs: now };
    const refilled = ((now - bucket.atMs) / 1000) * limit.refillPerSecond;
    bucket.tokens = Math.min(limit.bucketSize, bucket.tokens + refilled);
    bucket.atMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
