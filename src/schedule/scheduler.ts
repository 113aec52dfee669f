// Periodic work with croner. A tick never does the work itself: it enqueues one job, so
// the work gets the queue's retries, leases and metrics. Two guards make a tick happen
// once across nodes: on Postgres only the leader (the holder of an advisory lock on a
// dedicated connection) runs cluster schedules, and each tick is a compare-and-set on the
// schedule's ledger row (job_schedules.last_tick) in the same transaction as the enqueue,
// so even two nodes that both believe they lead cannot enqueue the same tick twice. When
// the leader dies its connection closes, the lock frees, and another node takes over at
// its next attempt (every `leaderRetryMs`).
import { Cron } from "croner";
import type { ActionDeps } from "../actions/deps.ts";
import type { HeldLock } from "../db/dialect/types.ts";
import { advanceScheduleTick, listScheduleLedger, setScheduleJob } from "../db/repo/jobs.ts";
import type { Q } from "../db/types.ts";
import { enqueueJob } from "../jobs/enqueue.ts";
import type { ScheduleDef } from "../jobs/registry.ts";

/** pg_try_advisory_lock key of the scheduler leader ("HRTH") */
export const LEADER_LOCK_KEY = 0x48525448;

export interface SchedulerOptions {
  schedules: ScheduleDef[];
  /** how often a follower tries to become leader, and the leader checks its connection */
  leaderRetryMs?: number;
}

export class Scheduler {
  private crons = new Map<string, Cron>();
  private localCrons: Cron[] = [];
  private lock: HeldLock | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private checking: Promise<void> | null = null;
  /** ticks this node enqueued (metrics) */
  enqueued = 0;

  constructor(private deps: ActionDeps, private opts: SchedulerOptions) {}

  get isLeader() {
    return this.lock !== null;
  }

  async start() {
    if (!this.stopped) return;
    this.stopped = false;
    for (const def of this.opts.schedules) {
      if (def.local) {
        this.localCrons.push(
          new Cron(def.cron, { name: undefined, timezone: def.timezone, protect: true, catch: (e) => this.deps.log.error("local schedule failed", { schedule: def.name, err: e }) }, async () => {
            await def.run(this.deps);
          }),
        );
      }
    }
    await this.checkLeadership();
    this.timer = setInterval(() => void this.checkLeadership(), this.opts.leaderRetryMs ?? 10_000);
  }

  async stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.checking;
    for (const c of this.localCrons) c.stop();
    this.localCrons = [];
    this.stepDown();
    await this.lock?.release();
    this.lock = null;
  }

  private checkLeadership(): Promise<void> {
    if (this.checking) return this.checking;
    this.checking = (async () => {
      try {
        const { store, log } = this.deps;
        if (this.lock) {
          if (await this.lock.alive()) return;
          log.warn("scheduler lost its leader connection; stepping down");
          this.stepDown();
          await this.lock.release().catch(() => {});
          this.lock = null;
        }
        if (this.stopped) return;
        const lock = await store.dialect.tryHoldLock(store, LEADER_LOCK_KEY);
        if (!lock) return;
        if (this.stopped) {
          await lock.release();
          return;
        }
        this.lock = lock;
        log.info("scheduler leader on this node", { schedules: this.opts.schedules.filter((s) => !s.local).length });
        this.startClusterCrons();
      } catch (e) {
        this.deps.log.error("scheduler leadership check failed", { err: e });
      } finally {
        this.checking = null;
      }
    })();
    return this.checking;
  }

  private startClusterCrons() {
    for (const def of this.opts.schedules) {
      if (def.local) continue;
      const cron: Cron = new Cron(def.cron, { timezone: def.timezone, protect: true, catch: (e) => this.deps.log.error("schedule tick failed", { schedule: def.name, err: e }) }, async () => {
        const tick = cron.previousRuns(1, new Date(Date.now() + 500))[0] ?? new Date(Math.floor(Date.now() / 1000) * 1000);
        await this.tick(def.name, tick);
      });
      this.crons.set(def.name, cron);
    }
  }

  private stepDown() {
    for (const c of this.crons.values()) c.stop();
    this.crons.clear();
  }

  /**
   * Enqueue the job of one tick of a cluster schedule, unless that tick (or a later one)
   * was already enqueued by any node. Returns the job id, or null when it was a repeat.
   */
  async tick(name: string, tick: Date): Promise<number | null> {
    const def = this.opts.schedules.find((s) => s.name === name);
    if (!def || def.local) throw new Error(`no cluster schedule named ${name}`);
    const { store } = this.deps;
    const now = this.deps.now();
    if (this.deps.config.readOnly) {
      this.deps.log.info("read-only mode: schedule tick skipped", { schedule: name });
      return null;
    }
    return store.withTx(async (tx) => {
      if (!(await advanceScheduleTick(tx, def.name, tick, now))) return null;
      const id = await enqueueJob(store, tx, def.queue, def.payload ?? {}, {
        idempotencyKey: `schedule:${def.name}:${tick.toISOString()}`,
        maxAttempts: def.maxAttempts,
      }, now);
      await setScheduleJob(tx, def.name, id);
      this.enqueued++;
      return id;
    });
  }
}

export interface ScheduleListing {
  name: string;
  cron: string;
  /** the queue a tick enqueues to, or "local" for per-node schedules */
  target: string;
  nextRun: Date | null;
  lastTick: Date | null;
  lastJobId: number | null;
}

export async function listSchedules(q: Q, schedules: ScheduleDef[], from = new Date()): Promise<ScheduleListing[]> {
  const ledger = new Map((await listScheduleLedger(q)).map((r) => [r.name, r]));
  return schedules.map((s) => {
    const c = new Cron(s.cron, { paused: true, timezone: s.timezone });
    const l = ledger.get(s.name);
    return {
      name: s.name,
      cron: s.cron,
      target: s.local ? "local" : s.queue,
      nextRun: c.nextRun(from),
      lastTick: l?.lastTick ?? null,
      lastJobId: l?.lastJobId ?? null,
    };
  });
}
