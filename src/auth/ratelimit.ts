// In-process token buckets (Zulip's rate limiter, without Redis): one bucket per key,
// refilled continuously. Each node limits on its own, which is what a per-process bucket
// can do; the limits are per node.
export interface LimitResult {
  ok: boolean;
  limit: number;
  remaining: number;
  /** UNIX seconds when the bucket is full again */
  reset: number;
  /** seconds until one request is allowed again (when !ok) */
  retryAfter: number;
}

export class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
    private clock: () => number = () => Date.now(),
  ) {}

  get enabled() {
    return this.capacity > 0;
  }

  take(key: string, cost = 1): LimitResult {
    const now = this.clock();
    this.sweep(now);
    const rate = this.capacity / this.windowMs;
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + (now - b.at) * rate);
    b.at = now;
    const ok = b.tokens >= cost;
    if (ok) b.tokens -= cost;
    this.buckets.set(key, b);
    const missing = this.capacity - b.tokens;
    return {
      ok,
      limit: this.capacity,
      remaining: Math.max(0, Math.floor(b.tokens)),
      reset: Math.ceil((now + missing / rate) / 1000),
      retryAfter: ok ? 0 : Math.max(0.001, (cost - b.tokens) / rate / 1000),
    };
  }

  /** Only looks, does not take. */
  peek(key: string): number {
    const b = this.buckets.get(key);
    if (!b) return this.capacity;
    return Math.min(this.capacity, b.tokens + (this.clock() - b.at) * (this.capacity / this.windowMs));
  }

  reset(key?: string) {
    if (key === undefined) this.buckets.clear();
    else this.buckets.delete(key);
  }

  /** Drops full buckets now and then, so memory stays bounded by active clients. */
  private sweep(now: number) {
    if (now - this.lastSweep < this.windowMs) return;
    this.lastSweep = now;
    const rate = this.capacity / this.windowMs;
    for (const [k, b] of this.buckets) if (b.tokens + (now - b.at) * rate >= this.capacity) this.buckets.delete(k);
  }
}

export interface RateLimits {
  /** per authenticated user */
  user: TokenBuckets;
  /** per IP for anonymous requests */
  ip: TokenBuckets;
  /** login / fetch_api_key attempts, keyed "ip:<addr>" and "user:<realm>:<username>" */
  auth: TokenBuckets;
}

export function createRateLimits(cfg: { rateLimitPerMinute: number; authRateLimitPerMinute: number }, clock?: () => number): RateLimits {
  return {
    user: new TokenBuckets(cfg.rateLimitPerMinute, 60_000, clock),
    ip: new TokenBuckets(cfg.rateLimitPerMinute, 60_000, clock),
    auth: new TokenBuckets(cfg.authRateLimitPerMinute, 60_000, clock),
  };
}
