// The job queue's public vocabulary: what handlers receive and what enqueue accepts.
import type { ActionDeps } from "../actions/deps.ts";
import type { Tx } from "../db/types.ts";
import type { Logger } from "../lib/log.ts";
import type { JobRow } from "../db/repo/jobs.ts";
import type { JobPorts } from "./ports.ts";

export interface EnqueueOptions {
  /** earliest run time (default: now) */
  runAt?: Date;
  /** or: delay from now, in milliseconds */
  delayMs?: number;
  /** default: the queue's registered maxAttempts, else 5 */
  maxAttempts?: number;
  /**
   * At most one PENDING job per key. A second enqueue with the same key while the first
   * is still pending does nothing (returns null), or — with `merge` — rewrites the
   * pending job's payload (batching: the missed-message email collects message ids).
   */
  idempotencyKey?: string;
  merge?: (pending: unknown, incoming: unknown) => unknown;
}

export interface JobContext<P = unknown> {
  job: JobRow;
  payload: P;
  /** 1 on the first run */
  attempt: number;
  deps: ActionDeps;
  log: Logger;
  /** the mailer and the other areas' narrow interfaces */
  ports: JobPorts;
  /** aborted on timeout or when the worker shuts down and releases the job */
  signal: AbortSignal;
  /**
   * Runs fn in ONE transaction that also marks this job done, fenced by the claim: if this
   * worker's lease was lost (it hung past the lease and another worker took the job over)
   * the transaction rolls back with LeaseLostError, so database effects written through
   * this transaction happen exactly once. Jobs enqueued through `tx.enqueue` inside it
   * exist only if it commits.
   */
  complete<T>(fn: (tx: JobTx) => Promise<T>): Promise<T>;
}

/** A transaction that can also enqueue jobs (the same `enqueue` ActionTx has). */
export interface JobTx extends Tx {
  enqueue(queue: string, payload: unknown, opts?: EnqueueOptions): Promise<number | null>;
}

export type JobHandler<P = any> = (ctx: JobContext<P>) => Promise<void>;

export interface QueueOptions {
  /** at most this many jobs of this queue at once per process (default: the worker concurrency) */
  concurrency?: number;
  /** attempts before the job is dead (default 5) */
  maxAttempts?: number;
  /** a run longer than this is aborted and counts as a failure (default 5 minutes) */
  timeoutMs?: number;
  /** base of the exponential backoff (default 10 s: 10 s, 20 s, 40 s, … capped at 1 h, ±25 % jitter) */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export interface HandlerRegistration extends QueueOptions {
  queue: string;
  handler: JobHandler;
}

/** Thrown by a handler: do not retry, the job is dead at once (bad payload, 4xx answer…). */
export class PermanentJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** Thrown by a handler: retry after exactly this delay (a Retry-After answer). */
export class RetryJobError extends Error {
  constructor(message: string, readonly delayMs: number) {
    super(message);
    this.name = "RetryJobError";
  }
}

/** This worker no longer holds the job: its effects were rolled back. */
export class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`job ${jobId}: lease lost to another worker; effects rolled back`);
    this.name = "LeaseLostError";
  }
}
