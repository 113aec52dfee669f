// The job queue's Prometheus samples, collected at scrape time from `jobs.stats()`.
// Unlabelled totals are what `hearth check --queues` reads (hearth_jobs_queue_depth,
// hearth_jobs_oldest_pending_seconds, hearth_jobs_dead, hearth_jobs_failures); the
// per-queue series carry a `queue` label.
import type { Sample } from "../ops/metrics.ts";
import type { Jobs } from "./index.ts";

export function jobsCollector(jobs: Pick<Jobs, "stats">): () => Promise<Sample[]> {
  return async () => {
    const s = await jobs.stats();
    const out: Sample[] = [];
    let depth = 0, running = 0, dead = 0, oldest = 0, failures = 0;
    for (const [queue, q] of Object.entries(s.queues)) {
      depth += q.pending;
      running += q.running;
      dead += q.dead;
      oldest = Math.max(oldest, q.oldestDueAgeSeconds);
      out.push(
        { name: "hearth_jobs_queue_pending", value: q.pending, labels: { queue }, help: "Jobs waiting (incl. delayed), all nodes" },
        { name: "hearth_jobs_queue_running", value: q.running, labels: { queue }, help: "Jobs claimed by a worker, all nodes" },
        { name: "hearth_jobs_queue_dead", value: q.dead, labels: { queue }, help: "Dead jobs kept with their last error, all nodes" },
        { name: "hearth_jobs_queue_oldest_due_seconds", value: q.oldestDueAgeSeconds, labels: { queue }, help: "Age of the oldest due, unclaimed job" },
      );
    }
    for (const [queue, p] of Object.entries(s.processed)) {
      failures += p.retried + p.dead;
      for (const [outcome, n] of [["succeeded", p.succeeded], ["retried", p.retried], ["dead", p.dead], ["lease_lost", p.leaseLost]] as const) {
        out.push({ name: "hearth_jobs_runs_total", value: n, type: "counter", labels: { queue, outcome }, help: "Job runs finished by this process, by outcome" });
      }
      for (const b of p.durationSeconds.buckets) {
        out.push({ name: "hearth_job_duration_seconds_bucket", value: b.count, type: "counter", labels: { queue, le: b.le }, help: "Job run duration (cumulative buckets)" });
      }
      out.push(
        { name: "hearth_job_duration_seconds_bucket", value: p.durationSeconds.count, type: "counter", labels: { queue, le: "+Inf" } },
        { name: "hearth_job_duration_seconds_sum", value: p.durationSeconds.sum, type: "counter", labels: { queue }, help: "Job run duration, total seconds" },
        { name: "hearth_job_duration_seconds_count", value: p.durationSeconds.count, type: "counter", labels: { queue }, help: "Job runs timed" },
      );
    }
    out.push(
      { name: "hearth_jobs_queue_depth", value: depth, help: "Pending jobs, all queues, all nodes" },
      { name: "hearth_jobs_running", value: running, help: "Claimed jobs, all queues, all nodes" },
      { name: "hearth_jobs_dead", value: dead, help: "Dead jobs, all queues" },
      { name: "hearth_jobs_oldest_pending_seconds", value: oldest, help: "Age of the oldest due, unclaimed job in any queue" },
      { name: "hearth_jobs_failures", value: failures, type: "counter", help: "Failed job runs in this process (retried or dead)" },
      { name: "hearth_jobs_in_flight", value: s.worker.inFlight, help: "Jobs this process is running" },
      { name: "hearth_scheduler_leader", value: s.scheduler.leader ? 1 : 0, help: "1 when this node runs the cluster schedules" },
    );
    return out;
  };
}
