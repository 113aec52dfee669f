// `hearth check`: the send/receive probe against a running server (POST /messages
// and /register + /events), a stopped server, job-queue metrics and backup age.
import { test, expect } from "bun:test";
import { mkdtempSync, writeFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { forEachDialect } from "../helpers/app.ts";
import { ApiRouter } from "../../src/http/router.ts";
import { registerApiRoutes } from "../../src/http/routes/index.ts";
import { checkBackups, checkQueues, checkSendReceive } from "../../src/ops/check.ts";
import { monitoringBots, MONITORING_STREAM } from "../../src/cli/commands/check.ts";
import { activeSubscriberIds, streamByName, streamsInRealm } from "../../src/db/repo/streams.ts";

// The end-to-end probe needs these routes; fail loudly (not skip) if they ever go missing.
const table = new ApiRouter();
registerApiRoutes(table);
const needed = [["POST", "/messages"], ["POST", "/register"], ["GET", "/events"]] as const;

async function closedPort(): Promise<number> {
  const s = Bun.serve({ port: 0, fetch: () => new Response("") });
  const port = s.port!;
  await s.stop(true);
  return port;
}

forEachDialect("hearth check", (t) => {
  test("the API routes the probe uses exist", () => {
    const missing = needed.filter(([m, p]) => !table.routes.some((r) => r.method === m && r.path === p));
    expect(missing).toEqual([]);
  });

  test("a message goes from one bot to the other through the real API: OK, or WARNING over the threshold", async () => {
    const server = await t.app.start();
    try {
      const [sender, recipient] = await monitoringBots(t.deps, "");
      // Both bots live in a private monitoring stream, created on first use; others do not see it.
      const stream = (await streamByName(t.store, t.realm.id, MONITORING_STREAM))!;
      expect(stream.inviteOnly).toBe(true);
      expect((await activeSubscriberIds(t.store, stream.id)).sort((a, b) => a - b)).toEqual([sender.userId, recipient.userId].sort((a, b) => a - b));
      const subs = await t.api("GET", "/users/me/subscriptions", { as: sender });
      expect(subs.body.subscriptions.map((s: { name: string }) => s.name)).toContain(MONITORING_STREAM);
      const admin = await t.user({ role: 200 });
      const visible = await t.api("GET", "/streams", { as: admin });
      expect(visible.body.streams.map((s: { name: string }) => s.name)).not.toContain(MONITORING_STREAM);
      const url = `http://127.0.0.1:${server.port}`;
      const ok = await checkSendReceive({ url, sender, recipient, warning: 3, critical: 6 });
      expect(ok.line).toMatch(/^OK: message sent and received in \d+\.\d{3} s \| time=/);
      expect(ok.code).toBe(0);
      const warn = await checkSendReceive({ url, sender, recipient, warning: 0.000001, critical: 60 });
      expect(warn.code).toBe(1);
      // The bots are created once and reused.
      const again = await monitoringBots(t.deps, "");
      expect(again.map((b) => b.userId)).toEqual([sender.userId, recipient.userId]);
      expect((await streamsInRealm(t.store, t.realm.id)).filter((s) => s.name === MONITORING_STREAM)).toHaveLength(1);
    } finally {
      await server.stop(true);
      t.app.server = null;
    }
  });

  test("a stopped server is CRITICAL, clearly", async () => {
    const port = await closedPort();
    const bot = { email: "a@b.c", apiKey: "k", userId: 1 };
    const r = await checkSendReceive({ url: `http://127.0.0.1:${port}`, sender: bot, recipient: bot, warning: 3, critical: 6 });
    expect(r.code).toBe(2);
    expect(r.line).toMatch(/^CRITICAL: cannot reach http:\/\/127\.0\.0\.1:\d+/);
  });

  test("--queues reads the job metrics of a running server", async () => {
    const server = await t.app.start();
    const url = `http://127.0.0.1:${server.port}`;
    try {
      // The jobs area's collector (src/jobs/metrics.ts) serves the real queue: nothing yet.
      // Earlier tests in this file may have left a job or two (their messages' side
      // effects), so counts are taken relative to this baseline.
      const empty = await checkQueues({ url, warning: 60, critical: 300 });
      expect(empty.code).toBe(0);
      const base = Number(/(\d+) pending job/.exec(empty.line)?.[1] ?? NaN);
      expect(empty.line).toMatch(/, 0 dead/);
      // Four due jobs on a queue no worker serves, the oldest due 12 s ago.
      const due = (s: number) => ({ runAt: new Date(Date.now() - s * 1000) });
      for (const s of [12, 5, 3, 1]) await t.app.jobs.enqueue("check_unserved", {}, due(s));
      const ok = await checkQueues({ url, warning: 60, critical: 300 });
      expect(ok.code).toBe(0);
      expect(ok.line).toMatch(new RegExp(`^OK: ${base + 4} pending job\\(s\\), oldest 1[23] s, 0 dead`));
      // A dead job is a WARNING.
      const { claimJobs, failJob } = await import("../../src/db/repo/jobs.ts");
      const dead = (await t.app.jobs.enqueue("check_dead", {}))!;
      await t.store.withTx(async (tx) => {
        const now = new Date();
        await claimJobs(tx, { queues: ["check_dead"], limit: 1, now, leaseUntil: new Date(now.getTime() + 60_000), token: "x", workerId: "test" });
        await failJob(tx, dead, "x", { error: "kaput", retryAt: null, now });
      });
      expect((await checkQueues({ url, warning: 60, critical: 300 })).code).toBe(1);
      // A job waiting longer than the critical threshold is CRITICAL.
      await t.app.jobs.enqueue("check_unserved", {}, due(400));
      expect((await checkQueues({ url, warning: 60, critical: 300 })).code).toBe(2);
    } finally {
      await server.stop(true);
      t.app.server = null;
    }
    expect((await checkQueues({ url, warning: 60, critical: 300 })).code).toBe(2);
  });
});

test("--backups: the newest archive's age against the thresholds", () => {
  const dir = mkdtempSync(join(tmpdir(), "hearth-check-backups-"));
  expect(checkBackups({ dir, warningHours: 26, criticalHours: 50 }).code).toBe(2);
  const p = join(dir, "hearth-backup-20260101T000000Z.tar.gz");
  writeFileSync(p, "x");
  expect(checkBackups({ dir, warningHours: 26, criticalHours: 50 }).code).toBe(0);
  const hoursAgo = (h: number) => (Date.now() - h * 3_600_000) / 1000;
  utimesSync(p, hoursAgo(30), hoursAgo(30));
  const w = checkBackups({ dir, warningHours: 26, criticalHours: 50 });
  expect(w.code).toBe(1);
  expect(w.line).toMatch(/^WARNING: newest backup .* is 30\.0 h old \| age=30\.00h;26;50$/);
  utimesSync(p, hoursAgo(51), hoursAgo(51));
  expect(checkBackups({ dir, warningHours: 26, criticalHours: 50 }).code).toBe(2);
});

// The client's side of the protocol, including slow and lost delivery that a real server
// cannot be made to produce on demand, against a minimal Zulip-shaped server.
test("the probe's client protocol: register, send, long-poll, delete the queue; slow or lost delivery", async () => {
  let delayMs = 0;
  let deliver = true;
  const pending: { resolve: (v: unknown) => void }[] = [];
  let message: { id: number; type: string; message: { content: string } } | null = null;
  const calls: string[] = [];
  const server = Bun.serve({
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      calls.push(`${req.method} ${url.pathname}`);
      if (!req.headers.get("authorization")?.startsWith("Basic ")) return Response.json({ result: "error", msg: "auth" }, { status: 401 });
      if (url.pathname === "/api/v1/register") return Response.json({ result: "success", msg: "", queue_id: "q1", last_event_id: -1 });
      if (url.pathname === "/api/v1/messages") {
        const form = new URLSearchParams(await req.text());
        expect(form.get("type")).toBe("direct");
        expect(JSON.parse(form.get("to")!)).toEqual([2]);
        if (deliver) setTimeout(() => {
          message = { id: 0, type: "message", message: { content: form.get("content")! } };
          for (const p of pending.splice(0)) p.resolve(null);
        }, delayMs);
        return Response.json({ result: "success", msg: "", id: 10 });
      }
      if (url.pathname === "/api/v1/events" && req.method === "GET") {
        expect(url.searchParams.get("queue_id")).toBe("q1");
        if (!message) await new Promise((resolve) => pending.push({ resolve }));
        const events = message ? [message] : [];
        message = null;
        return Response.json({ result: "success", msg: "", events });
      }
      if (url.pathname === "/api/v1/events" && req.method === "DELETE") return Response.json({ result: "success", msg: "" });
      return Response.json({ result: "error", msg: "no" }, { status: 404 });
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  const sender = { email: "s@x", apiKey: "k", userId: 1 };
  const recipient = { email: "r@x", apiKey: "k", userId: 2 };
  try {
    const ok = await checkSendReceive({ url, sender, recipient, warning: 3, critical: 6 });
    expect(ok.code).toBe(0);
    expect(calls).toEqual(["POST /api/v1/register", "POST /api/v1/messages", "GET /api/v1/events", "DELETE /api/v1/events"]);
    delayMs = 300;
    const warn = await checkSendReceive({ url, sender, recipient, warning: 0.2, critical: 6 });
    expect(warn.code).toBe(1);
    expect(warn.seconds!).toBeGreaterThanOrEqual(0.29);
    deliver = false;
    const lost = await checkSendReceive({ url, sender, recipient, warning: 0.1, critical: 0.2 });
    expect(lost.code).toBe(2);
    expect(lost.line).toMatch(/^CRITICAL: (message not received|no answer)/);
  } finally {
    for (const p of pending.splice(0)) p.resolve(null);
    await server.stop(true);
  }
});
