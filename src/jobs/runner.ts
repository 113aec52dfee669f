// Workers: one claim loop per process feeding up to `concurrency` jobs at a time.
//
// Delivery is at-least-once with fencing. A claim sets a lease (locked_until) and a
// random lock token; a heartbeat extends the leases of running jobs. If the process dies
// or hangs, the lease runs out, the reaper puts the job back (or kills it on its last
// attempt) and another worker runs it. Completion, failure and release are all fenced by
// the token, so a worker that lost its lease cannot undo the new owner's work, and
// effects written through `ctx.complete(tx => …)` commit together with the job's
// completion — exactly once.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ActionDeps } from "../actions/deps.ts";
import {
  claimJobs,
  completeJob,
  extendLease,
  failJob,
  nextDue,
  reapExpired,
  releaseJob,
  type JobRow,
} from "../db/repo/jobs.ts";
import type { Tx } from "../db/types.ts";
import { enqueueJob } from "./enqueue.ts";
import { NOTIFY_CHANNEL, onJobsEnqueued } from "./wake.ts";
import {
  LeaseLostError,
  PermanentJobError,
  RetryJobError,
  type HandlerRegistration,
  type JobContext,
  type JobTx,
} from "./types.ts";
import type { JobPorts } from "./ports.ts";

export interface RunnerOptions {
  concurrency: number;
  /** fallback poll when no wake-up arrives */
  pollMs: number;
  leaseMs: number;
  handlers: HandlerRegistration[];
  ports: JobPorts;
  workerId?: string;
  /** replaces every queue's backoff base/max (tests, to retry in milliseconds) */
  backoff?: { baseMs: number; maxMs?: number };
}

/** seconds; Prometheus-style cumulative buckets */
export const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 5, 30, 120, 600];

export interface QueueProcessed {
  succeeded: number;
  /** failed attempts that were scheduled for a retry */
  retried: number;
  /** jobs that died in this process (attempts used up or permanent error) */
  dead: number;
  /** runs whose lease was taken over before they finished (their effects rolled back) */
  leaseLost: number;
  /** duration of every finished run (success or failure) */
  durationSeconds: { count: number; sum: number; buckets: { le: number; count: number }[] };
}

interface Running {
  job: JobRow;
  token: string;
  abort: AbortController;
  done: Promise<void>;
  released: boolean;
}

export class JobRunner {
  readonly workerId: string;
  private handlers: Map<string, HandlerRegistration>;
  private running = new Map<number, Running>();
  private stopping = false;
  private loopDone: Promise<void> | null = null;
  private wakeFn: (() => void) | null = null;
  private dirty = false;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private unsubscribe: (() => void) | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private lastReap = 0;
  readonly processed = new Map<string, QueueProcessed>();
  /** queues with a concurrency cap below the runner's, and the rest */
  private caps = new Map<string, number>();
  private uncapped: string[] = [];

  constructor(private deps: ActionDeps, private opts: RunnerOptions) {
    this.workerId = opts.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.handlers = new Map(opts.handlers.map((h) => [h.queue, h]));
    for (const h of opts.handlers) {
      if (h.concurrency !== undefined && h.concurrency < opts.concurrency) this.caps.set(h.queue, Math.max(1, h.concurrency));
      else this.uncapped.push(h.queue);
    }
  }

  private runningIn(queue: string) {
    let n = 0;
    for (const r of this.running.values()) if (r.job.queue === queue) n++;
    return n;
  }

  get queues() {
    return [...this.handlers.keys()];
  }
  get inFlight() {
    return this.running.size;
  }
  get isRunning() {
    return this.loopDone !== null && !this.stopping;
  }

  async start() {
    if (this.loopDone) return;
    const store = this.deps.store;
    this.unsubscribe = onJobsEnqueued(store, (qs) => {
      if (qs.some((q) => this.handlers.has(q))) this.wake();
    });
    // Postgres: other nodes' enqueues arrive by NOTIFY; after a reconnect (a gap may have
    // lost some) look at the table at once.
    this.unlisten = store.pubsub
      ? await store.pubsub.listen(
          NOTIFY_CHANNEL,
          (payload) => {
            if (payload.split(",").some((q) => this.handlers.has(q))) this.wake();
          },
          () => this.wake(),
        )
      : null;
    this.heartbeat = setInterval(() => void this.renewLeases(), Math.max(50, Math.floor(this.opts.leaseMs / 3)));
    this.loopDone = this.loop();
  }

  wake() {
    this.dirty = true;
    const fn = this.wakeFn;
    this.wakeFn = null;
    fn?.();
  }

  /**
   * Stop claiming, let running jobs finish for up to graceMs, then abort and release the
   * rest (back to pending without spending an attempt) so another worker takes them now
   * instead of after the lease.
   */
  async stop(graceMs = 10_000) {
    if (!this.loopDone || this.stopping) return;
    this.stopping = true;
    this.wake();
    await this.loopDone;
    this.unsubscribe?.();
    await this.unlisten?.().catch(() => {});
    if (this.running.size) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.running.values()].map((r) => r.done)),
        new Promise((res) => (timer = setTimeout(res, graceMs))),
      ]);
      clearTimeout(timer);
    }
    const left = [...this.running.values()];
    for (const r of left) {
      r.released = true;
      r.abort.abort(new Error("worker shutting down"));
      try {
        await this.deps.store.withTx((tx) => releaseJob(tx, r.job.id, r.token, this.deps.now()));
        this.deps.log.info("job released at shutdown", { job: r.job.id, queue: r.job.queue });
      } catch (e) {
        this.deps.log.error("could not release job at shutdown (its lease will expire)", { job: r.job.id, err: e });
      }
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private async loop() {
    const { store, log } = this.deps;
    const queues = this.queues;
    while (!this.stopping) {
      try {
        this.dirty = false;
        const now = this.deps.now();
        if (now.getTime() - this.lastReap >= Math.min(this.opts.pollMs, this.opts.leaseMs / 2)) {
          this.lastReap = now.getTime();
          const r = await store.withTx((tx) => reapExpired(tx, now));
          if (r.retried || r.dead) log.warn("jobs with expired leases reclaimed", r);
        }
        // Read-only mode (HEARTH_READONLY, e.g. while a backup is copied for a move): no new work.
        const free = this.deps.config.readOnly ? 0 : this.opts.concurrency - this.running.size;
        let claimed: JobRow[] = [];
        if (free > 0 && queues.length) {
          const token = randomUUID();
          const leaseUntil = new Date(now.getTime() + this.opts.leaseMs);
          claimed = await store.withTx(async (tx) => {
            // Queues with their own concurrency cap (slow outgoing webhooks, backups) are
            // claimed one by one within what they have left; the rest share one claim.
            const out: JobRow[] = [];
            let left = free;
            for (const [q, cap] of this.caps) {
              const room = Math.min(left, cap - this.runningIn(q));
              if (room <= 0) continue;
              const got = await claimJobs(tx, { queues: [q], limit: room, now, leaseUntil, token, workerId: this.workerId });
              out.push(...got);
              left -= got.length;
            }
            if (left > 0 && this.uncapped.length) {
              out.push(...(await claimJobs(tx, { queues: this.uncapped, limit: left, now, leaseUntil, token, workerId: this.workerId })));
            }
            return out;
          });
          for (const job of claimed) this.launch(job, token);
        }
        if (this.stopping) break;
        if (claimed.length > 0 && claimed.length === free) continue;
        if (this.dirty) continue;
        let waitMs = this.opts.pollMs;
        if (free > 0) {
          // queues at their cap are left out: one of their jobs finishing wakes the loop
          const open = [...this.uncapped, ...[...this.caps].filter(([q, cap]) => this.runningIn(q) < cap).map(([q]) => q)];
          const due = await nextDue(store, open);
          // A due job we could not claim is locked by someone else (another node's claim, or
          // an open transaction merging into it): look again shortly rather than spin.
          if (due) waitMs = Math.min(waitMs, Math.max(50, due.getTime() - this.deps.now().getTime() + 5));
        }
        if (this.dirty || this.stopping) continue;
        await this.sleep(waitMs);
      } catch (e) {
        if (this.stopping) break;
        log.error("job claim loop failed; retrying", { err: e });
        await this.sleep(1000);
      }
    }
  }

  private sleep(ms: number) {
    return new Promise<void>((res) => {
      const timer = setTimeout(() => {
        this.wakeFn = null;
        res();
      }, ms);
      this.wakeFn = () => {
        clearTimeout(timer);
        res();
      };
    });
  }

  private async renewLeases() {
    if (this.running.size === 0) return;
    const byToken = new Map<string, number[]>();
    for (const r of this.running.values()) {
      if (r.released) continue;
      const ids = byToken.get(r.token) ?? [];
      ids.push(r.job.id);
      byToken.set(r.token, ids);
    }
    const until = new Date(this.deps.now().getTime() + this.opts.leaseMs);
    try {
      await this.deps.store.withTx(async (tx) => {
        for (const [token, ids] of byToken) await extendLease(tx, ids, token, until);
      });
    } catch (e) {
      this.deps.log.warn("could not extend job leases", { err: e });
    }
  }

  private launch(job: JobRow, token: string) {
    const r: Running = { job, token, abort: new AbortController(), done: Promise.resolve(), released: false };
    this.running.set(job.id, r);
    r.done = this.execute(r).finally(() => {
      this.running.delete(job.id);
      this.wake();
    });
  }

  private metrics(queue: string): QueueProcessed {
    let m = this.processed.get(queue);
    if (!m) {
      m = {
        succeeded: 0, retried: 0, dead: 0, leaseLost: 0,
        durationSeconds: { count: 0, sum: 0, buckets: DURATION_BUCKETS.map((le) => ({ le, count: 0 })) },
      };
      this.processed.set(queue, m);
    }
    return m;
  }

  private observe(queue: string, seconds: number) {
    const d = this.metrics(queue).durationSeconds;
    d.count++;
    d.sum += seconds;
    for (const b of d.buckets) if (seconds <= b.le) b.count++;
  }

  private async execute(r: Running) {
    const { job, token } = r;
    const { store, log } = this.deps;
    const reg = this.handlers.get(job.queue)!;
    const jlog = log.child({ job: job.id, queue: job.queue, attempt: job.attempts });
    let completed = false;
    const timeoutMs = reg.timeoutMs ?? 5 * 60_000;
    const timer = setTimeout(() => r.abort.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const ctx: JobContext = {
      job,
      payload: job.payload,
      attempt: job.attempts,
      deps: this.deps,
      log: jlog,
      signal: r.abort.signal,
      ports: this.opts.ports,
      complete: async (fn) => {
        const out = await store.withTx(async (tx) => {
          if (!(await completeJob(tx, job.id, token))) throw new LeaseLostError(job.id);
          return fn(jobTx(this.deps, tx));
        });
        completed = true;
        return out;
      },
    };
    const started = performance.now();
    try {
      const aborted = new Promise<never>((_, rej) => {
        r.abort.signal.addEventListener("abort", () => rej(r.abort.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      await Promise.race([reg.handler(ctx), aborted]);
      if (!completed) {
        const ok = await store.withTx((tx) => completeJob(tx, job.id, token));
        if (!ok) throw new LeaseLostError(job.id);
      }
      this.metrics(job.queue).succeeded++;
    } catch (e) {
      if (r.released) return;
      if (e instanceof LeaseLostError) {
        this.metrics(job.queue).leaseLost++;
        jlog.warn("job lease lost; another worker owns it", {});
        return;
      }
      const message = errorText(e);
      const now = this.deps.now();
      let retryAt: Date | null = null;
      if (!(e instanceof PermanentJobError) && job.attempts < job.maxAttempts) {
        retryAt = new Date(now.getTime() + (e instanceof RetryJobError ? e.delayMs : backoffMs(job.attempts, this.opts.backoff ? { backoffBaseMs: this.opts.backoff.baseMs, backoffMaxMs: this.opts.backoff.maxMs } : reg)));
      }
      try {
        const ok = await store.withTx((tx) => failJob(tx, job.id, token, { error: message, retryAt, now }));
        if (!ok) {
          this.metrics(job.queue).leaseLost++;
          return;
        }
      } catch (e2) {
        jlog.error("could not record job failure (the lease will expire)", { err: e2 });
        return;
      }
      if (retryAt) {
        this.metrics(job.queue).retried++;
        jlog.warn("job failed; will retry", { error: message, retry_at: retryAt.toISOString() });
      } else {
        this.metrics(job.queue).dead++;
        jlog.error("job dead", { error: message });
      }
    } finally {
      clearTimeout(timer);
      this.observe(job.queue, (performance.now() - started) / 1000);
    }
  }
}

/** A transaction handed to job code: it can enqueue follow-up jobs like an action can. */
export function jobTx(deps: ActionDeps, tx: Tx): JobTx {
  const jtx = tx as JobTx;
  if (!jtx.enqueue) {
    (jtx as { enqueue: JobTx["enqueue"] }).enqueue = (queue, payload, opts) =>
      enqueueJob(deps.store, tx, queue, payload, opts, deps.now());
  }
  return jtx;
}

/** Exponential backoff with ±25 % jitter, so failed jobs of one outage do not retry in lockstep. */
export function backoffMs(attempt: number, o: { backoffBaseMs?: number; backoffMaxMs?: number } = {}): number {
  const base = o.backoffBaseMs ?? 10_000;
  const max = o.backoffMaxMs ?? 3_600_000;
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.round(raw * (0.75 + Math.random() * 0.5));
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.slice(0, 2000);
  return String(e).slice(0, 2000);
}
