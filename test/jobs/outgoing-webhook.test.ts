// Outgoing webhooks end to end against a real HTTP server (Bun.serve on loopback): Zulip's
// payload, the reply posted back as the bot, retries on 5xx and timeouts, and failures
// reported to the bot's owner with the job left dead.
//
// Posting the reply and DMing the owner belong to the messages and bots areas (built in
// parallel); here they are recorded through the OutgoingWebhookPorts interface. The reply
// port writes a row in the job's completion transaction, as the real one will, so the test
// also shows the reply is committed once.
import { expect, test, beforeAll, afterAll } from "bun:test";
import { sql } from "drizzle-orm";
import { forEachDialect } from "../helpers/app.ts";
import { inTx } from "../../src/actions/tx.ts";
import { getJob } from "../../src/db/repo/jobs.ts";
import { enqueueOutgoingWebhook, type OutgoingWebhookPayload } from "../../src/jobs/handlers/outgoing-webhook.ts";
import { createEffectTable, effectCount, waitFor } from "./helpers.ts";

type Behaviour = { status?: number; body?: string; delayMs?: number; failTimes?: number };
const behaviours = new Map<string, Behaviour>();
const calls = new Map<string, { body: any; at: number }[]>();
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const path = new URL(req.url).pathname;
    const list = calls.get(path) ?? [];
    calls.set(path, list);
    list.push({ body: await req.json(), at: Date.now() });
    const b = behaviours.get(path) ?? {};
    if (b.delayMs) await Bun.sleep(b.delayMs);
    if (b.failTimes && list.length <= b.failTimes) return new Response("oops", { status: 503 });
    return new Response(b.body ?? "", { status: b.status ?? 200, headers: { "content-type": "application/json" } });
  },
});
afterAll(() => server.stop(true));

forEachDialect("outgoing webhooks", (t) => {
  const replies: { botUserId: number; content: string; messageId: number }[] = [];
  const owners: { botUserId: number; text: string }[] = [];
  const base = `http://127.0.0.1:${server.port}/${t.dialect}`;

  beforeAll(async () => {
    await createEffectTable(t.store, "bot_replies");
    t.app.jobs.provide({
      outgoingWebhooks: {
        async postReply(r) {
          // joins the job's completion transaction through withTx's async context
          await t.store.withTx((tx) => tx.dialect.run(tx.db, sql`INSERT INTO bot_replies (job_id, note) VALUES (${r.message.id}, ${r.content})`));
          replies.push({ botUserId: r.botUserId, content: r.content, messageId: r.message.id });
        },
        async notifyOwner(n) {
          owners.push({ botUserId: n.botUserId, text: n.text });
        },
      },
    });
    await t.app.jobs.start();
  });

  const payload = (path: string, messageId: number, bot = 77): OutgoingWebhookPayload => ({
    botUserId: bot,
    realmId: t.realm.id,
    url: `${base}${path}`,
    token: "tok-123",
    botEmail: "helper-bot@testserver",
    botFullName: "Helper",
    trigger: "mention",
    message: { id: messageId, sender_email: "alice@example.com", content: "@**Helper** ping", type: "stream", display_recipient: "general", subject: "t" },
    data: "@**Helper** ping",
  });

  test("POSTs Zulip's payload; a JSON reply with content is posted back as the bot, once", async () => {
    behaviours.set(`/${t.dialect}/pong`, { body: JSON.stringify({ content: "pong!" }) });
    const id = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/pong", 101))))!;
    await waitFor(async () => (await getJob(t.store, id)) === null, { what: "webhook job" });
    const [call] = calls.get(`/${t.dialect}/pong`)!;
    expect(call!.body).toEqual({
      bot_email: "helper-bot@testserver",
      bot_full_name: "Helper",
      data: "@**Helper** ping",
      message: payload("/pong", 101).message,
      token: "tok-123",
      trigger: "mention",
    });
    expect(replies.filter((r) => r.messageId === 101)).toEqual([{ botUserId: 77, content: "pong!", messageId: 101 }]);
    expect(await effectCount(t.store, "bot_replies", 101)).toBe(1);
  });

  test("response_not_required and an empty body post nothing", async () => {
    behaviours.set(`/${t.dialect}/quiet`, { body: JSON.stringify({ response_not_required: true, content: "ignored" }) });
    behaviours.set(`/${t.dialect}/empty`, { body: "" });
    const a = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/quiet", 102))))!;
    const b = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/empty", 103))))!;
    await waitFor(async () => (await getJob(t.store, a)) === null && (await getJob(t.store, b)) === null);
    expect(replies.some((r) => r.messageId === 102 || r.messageId === 103)).toBe(false);
    expect(owners).toEqual([]);
  });

  test("a 5xx answer is retried with backoff, then the reply is posted", async () => {
    behaviours.set(`/${t.dialect}/flaky`, { failTimes: 2, body: JSON.stringify({ content: "third time lucky" }) });
    const id = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/flaky", 104))))!;
    await waitFor(async () => (await getJob(t.store, id)) === null, { what: "retried webhook" });
    expect(calls.get(`/${t.dialect}/flaky`)!.length).toBe(3);
    expect(replies.filter((r) => r.messageId === 104).map((r) => r.content)).toEqual(["third time lucky"]);
  });

  test("a timeout is retried; after the last attempt the owner is told and the job is dead", async () => {
    behaviours.set(`/${t.dialect}/slow`, { delayMs: 1500, body: JSON.stringify({ content: "too late" }) });
    const id = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/slow", 105, 88))))!;
    const j = await waitFor(async () => ((await getJob(t.store, id))?.state === "dead" ? getJob(t.store, id) : null), { timeoutMs: 20_000, what: "dead webhook" });
    expect(j!.attempts).toBe(4);
    expect(j!.lastError).toContain("timed out");
    expect(calls.get(`/${t.dialect}/slow`)!.length).toBe(4);
    expect(owners.filter((o) => o.botUserId === 88).length).toBe(1);
    expect(owners.find((o) => o.botUserId === 88)!.text).toContain("Request timed out after 1 seconds");
    expect(replies.some((r) => r.messageId === 105)).toBe(false);
  }, 30_000);

  test("a 4xx answer or invalid JSON is not retried: the owner is told at once", async () => {
    behaviours.set(`/${t.dialect}/forbidden`, { status: 403, body: "{}" });
    behaviours.set(`/${t.dialect}/garbage`, { body: "not json" });
    const a = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/forbidden", 106, 91))))!;
    const b = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/garbage", 107, 92))))!;
    const ja = await waitFor(async () => ((await getJob(t.store, a))?.state === "dead" ? getJob(t.store, a) : null));
    const jb = await waitFor(async () => ((await getJob(t.store, b))?.state === "dead" ? getJob(t.store, b) : null));
    expect(ja!.attempts).toBe(1);
    expect(jb!.attempts).toBe(1);
    expect(owners.find((o) => o.botUserId === 91)!.text).toContain("status code *403*");
    expect(owners.find((o) => o.botUserId === 92)!.text).toContain("Invalid JSON in response");
    expect(owners.find((o) => o.botUserId === 91)!.text).toContain("to your bot @_**Helper** triggered an outgoing webhook");
  });

  test("a webhook enqueued in a rolled-back transaction is never called", async () => {
    await expect(inTx(t.deps, async (tx) => {
      await enqueueOutgoingWebhook(tx, payload("/never", 108));
      throw new Error("rollback");
    })).rejects.toThrow();
    behaviours.set(`/${t.dialect}/after`, {});
    const id = (await inTx(t.deps, (tx) => enqueueOutgoingWebhook(tx, payload("/after", 109))))!;
    await waitFor(async () => (await getJob(t.store, id)) === null);
    expect(calls.has(`/${t.dialect}/never`)).toBe(false);
  });
}, { config: { outgoingWebhookTimeoutSeconds: 1 }, app: { jobs: { pollMs: 200, backoff: { baseMs: 50 } } } });


