// `hearth check`: Nagios-style probes (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
// The send/receive probe is Zulip's check_send_receive_time: it is a plain Zulip API
// client, so it measures what users get — one bot sends a direct message through
// POST /messages, the other long-polls GET /events for it.
import { statSync } from "node:fs";
import { listBackups } from "./backup/restore.ts";

export const OK = 0, WARNING = 1, CRITICAL = 2, UNKNOWN = 3;
const LABEL = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;

export interface CheckOutcome {
  code: 0 | 1 | 2 | 3;
  /** one Nagios line: "OK: … | perfdata" */
  line: string;
  seconds?: number;
}

const outcome = (code: 0 | 1 | 2 | 3, msg: string, perf = "", seconds?: number): CheckOutcome => ({
  code, line: `${LABEL[code]}: ${msg}${perf ? ` | ${perf}` : ""}`, seconds,
});

export interface Bot {
  email: string;
  apiKey: string;
  userId: number;
}

export interface SendReceiveOptions {
  url: string;
  /** Host header for a realm on a subdomain */
  host?: string;
  sender: Bot;
  recipient: Bot;
  warning: number;
  critical: number;
}

class HttpFail extends Error {}

async function call(o: SendReceiveOptions, bot: Bot, method: string, path: string, params: Record<string, unknown>, signal?: AbortSignal) {
  const url = new URL(`/api/v1${path}`, o.url);
  const headers: Record<string, string> = { authorization: "Basic " + btoa(`${bot.email}:${bot.apiKey}`) };
  if (o.host) headers.host = o.host;
  let body: URLSearchParams | undefined;
  const enc = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  if (method === "GET") for (const [k, v] of Object.entries(params)) url.searchParams.set(k, enc(v));
  else body = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, enc(v)]));
  const res = await fetch(url, { method, headers, body, signal });
  let json: any;
  try {
    json = await res.json();
  } catch {
    throw new HttpFail(`${method} ${path}: HTTP ${res.status}, not JSON`);
  }
  if (res.status !== 200 || json.result !== "success") throw new HttpFail(`${method} ${path}: HTTP ${res.status} ${json.code ?? ""} ${json.msg ?? ""}`.trim());
  return json;
}

export async function checkSendReceive(o: SendReceiveOptions): Promise<CheckOutcome> {
  const deadline = o.critical * 1000 * 2;
  const abort = AbortSignal.timeout(deadline + 5000);
  let queueId: string | null = null;
  try {
    const reg = await call(o, o.recipient, "POST", "/register", { event_types: ["message"], apply_markdown: false }, abort);
    queueId = reg.queue_id;
    let last = reg.last_event_id as number;
    const nonce = crypto.randomUUID();
    const started = performance.now();
    await call(o, o.sender, "POST", "/messages", { type: "direct", to: [o.recipient.userId], content: `hearth check ${nonce}` }, abort);
    for (;;) {
      const elapsed = performance.now() - started;
      if (elapsed > deadline) return outcome(CRITICAL, `message not received after ${(elapsed / 1000).toFixed(1)} s`, `time=${(elapsed / 1000).toFixed(3)}s;${o.warning};${o.critical}`);
      const ev = await call(o, o.recipient, "GET", "/events", { queue_id: queueId, last_event_id: last }, AbortSignal.any([abort, AbortSignal.timeout(deadline - elapsed + 100)]));
      for (const e of ev.events as { id: number; type: string; message?: { content?: string } }[]) {
        last = Math.max(last, e.id);
        if (e.type === "message" && e.message?.content?.includes(nonce)) {
          const s = (performance.now() - started) / 1000;
          const code = s >= o.critical ? CRITICAL : s >= o.warning ? WARNING : OK;
          return outcome(code, `message sent and received in ${s.toFixed(3)} s`, `time=${s.toFixed(3)}s;${o.warning};${o.critical}`, s);
        }
      }
    }
  } catch (e) {
    if (e instanceof HttpFail) return outcome(CRITICAL, e.message);
    const err = e as Error;
    if (err.name === "TimeoutError" || err.name === "AbortError") return outcome(CRITICAL, `no answer within ${deadline / 1000} s`);
    return outcome(CRITICAL, `cannot reach ${o.url}: ${err.message}`);
  } finally {
    if (queueId) await call(o, o.recipient, "DELETE", "/events", { queue_id: queueId }, AbortSignal.timeout(2000)).catch(() => {});
  }
}

/** Reads the job metrics the jobs area exposes (src/jobs/metrics.ts) from /metrics. */
export async function checkQueues(o: { url: string; token?: string; warning: number; critical: number }): Promise<CheckOutcome> {
  let text: string;
  try {
    const res = await fetch(new URL("/metrics", o.url), {
      headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) return outcome(UNKNOWN, `/metrics answered HTTP ${res.status} (set HEARTH_METRICS_TOKEN or allow this address)`);
    text = await res.text();
  } catch (e) {
    return outcome(CRITICAL, `cannot reach ${o.url}: ${(e as Error).message}`);
  }
  const get = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const depth = get("hearth_jobs_queue_depth");
  const oldest = get("hearth_jobs_oldest_pending_seconds") ?? 0;
  const dead = get("hearth_jobs_dead") ?? 0;
  const failures = get("hearth_jobs_failures") ?? 0;
  if (depth === undefined) return outcome(UNKNOWN, "the server exposes no job-queue metrics (hearth_jobs_queue_depth)");
  const perf = `depth=${depth} oldest=${oldest}s;${o.warning};${o.critical} dead=${dead} failures=${failures}`;
  const msg = `${depth} pending job(s), oldest ${oldest.toFixed(0)} s, ${dead} dead`;
  if (oldest >= o.critical) return outcome(CRITICAL, msg, perf);
  if (oldest >= o.warning || dead > 0) return outcome(WARNING, msg, perf);
  return outcome(OK, msg, perf);
}

/** The newest archive in the backup directory is younger than the thresholds (hours). */
export function checkBackups(o: { dir: string; warningHours: number; criticalHours: number; now?: number }): CheckOutcome {
  const newest = listBackups(o.dir)[0];
  if (!newest) return outcome(CRITICAL, `no backup in ${o.dir}`);
  const hours = ((o.now ?? Date.now()) - statSync(newest).mtimeMs) / 3_600_000;
  const perf = `age=${hours.toFixed(2)}h;${o.warningHours};${o.criticalHours}`;
  const msg = `newest backup ${newest} is ${hours.toFixed(1)} h old`;
  return outcome(hours >= o.criticalHours ? CRITICAL : hours >= o.warningHours ? WARNING : OK, msg, perf);
}
