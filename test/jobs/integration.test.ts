// The job queue connected to the messages and bots areas, end to end through the real API:
// missed-message emails over a real SMTP server on loopback, and outgoing webhooks against
// a real HTTP server (Bun.serve on loopback).
import { expect, test, beforeAll, afterAll } from "bun:test";
import { SMTPServer } from "smtp-server";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { listJobs } from "../../src/db/repo/jobs.ts";
import { MISSED_MESSAGE_QUEUE } from "../../src/jobs/handlers/missed-messages.ts";
import { OUTGOING_WEBHOOK_QUEUE } from "../../src/jobs/handlers/outgoing-webhook.ts";
import { waitFor } from "./helpers.ts";

const inbox: { at: number; to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  onData(stream, session, cb) {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      inbox.push({ at: Date.now(), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString("utf8") });
      cb();
    });
  },
});
await new Promise<void>((res) => smtp.listen(0, "127.0.0.1", () => res()));
const smtpPort = (smtp.server.address() as { port: number }).port;

// The outgoing-webhook bot's server: answers by what the message says.
const hooks: Record<string, any>[] = [];
const botServer = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(req) {
    const body = (await req.json()) as Record<string, any>;
    hooks.push(body);
    if (String(body.data).includes("fail please")) return new Response("nope", { status: 400 });
    if (String(body.data).includes("quiet please")) return Response.json({ response_not_required: true });
    return Response.json({ content: `pong: ${body.data}` });
  },
});
afterAll(async () => {
  await new Promise<void>((res) => smtp.close(() => res()));
  await botServer.stop(true);
});

const mailsTo = (addr: string) => inbox.filter((m) => m.to.includes(addr));
const unfold = (raw: string) => raw.replace(/=\r\n/g, "").replace(/\r\n[ \t]+/g, " ");

forEachDialect("jobs integration", (t) => {
  // Unique addresses per dialect: both dialects share one SMTP inbox.
  let n = 0;
  const person = (o: { fullName?: string } = {}) => t.user({ ...o, email: `jobsint-${t.dialect}-${++n}@example.com` });
  const send = (u: TestUser, params: Record<string, unknown>) => t.api("POST", "/messages", { as: u, params });
  const idle = async () =>
    waitFor(async () => {
      const jobs = [...(await listJobs(t.store, { queue: MISSED_MESSAGE_QUEUE })), ...(await listJobs(t.store, { queue: "email" })), ...(await listJobs(t.store, { queue: OUTGOING_WEBHOOK_QUEUE }))];
      return jobs.filter((j) => j.state !== "dead").length === 0;
    }, { timeoutMs: 20_000, what: "jobs to finish" });

  beforeAll(async () => {
    await t.app.jobs.start();
  });

  // ---------------------------------------------------------------- missed-message emails

  test("a DM not read in time arrives by email after the delay, once; the sender gets none", async () => {
    const alice = await person({ fullName: "Alice Adams" });
    const bob = await person({ fullName: "Bob Brown" });
    const t0 = Date.now();
    const r = await send(alice, { type: "direct", to: [bob.id], content: "lunch at **noon**?" });
    expect(r.status).toBe(200);
    const [m] = await waitFor(() => (mailsTo(bob.deliveryEmail).length ? mailsTo(bob.deliveryEmail) : null), { what: "missed-message email", timeoutMs: 15_000 });
    expect(m!.at - t0).toBeGreaterThanOrEqual(1000);
    const raw = unfold(m!.raw);
    expect(raw).toContain("Alice Adams");
    expect(raw).toContain("lunch at");
    expect(raw).toContain("<strong>noon</strong>");
    expect(raw).toContain(`#narrow/dm/${alice.id}-dm/near/${r.body.id}`);
    await idle();
    expect(mailsTo(bob.deliveryEmail).length).toBe(1);
    expect(mailsTo(alice.deliveryEmail)).toEqual([]);
  });

  test("a DM read before the delay is not emailed (the job ran and found it read)", async () => {
    const alice = await person();
    const carol = await person();
    const r = await send(alice, { type: "direct", to: [carol.id], content: "read me quickly" });
    expect((await t.api("POST", "/messages/flags", { as: carol, params: { messages: [r.body.id], op: "add", flag: "read" } })).status).toBe(200);
    // the job was queued (so the absence of mail is the unread check, not a missing job)
    expect((await listJobs(t.store, { queue: MISSED_MESSAGE_QUEUE })).some((j) => (j.payload as { userId: number }).userId === carol.id)).toBe(true);
    await Bun.sleep(1200);
    await idle();
    expect(mailsTo(carol.deliveryEmail)).toEqual([]);
    // control: an unread DM to the same user is emailed
    await send(alice, { type: "direct", to: [carol.id], content: "and this one?" });
    await waitFor(() => mailsTo(carol.deliveryEmail).length > 0, { timeoutMs: 15_000, what: "control email" });
  });

  test("enable_offline_email_notifications off: no job, no email; a mention emails only the mentioned user", async () => {
    const alice = await person();
    const dave = await person();
    const erin = await person({ fullName: "Erin Evans" });
    const frank = await person();
    expect((await t.api("PATCH", "/settings", { as: dave, params: { enable_offline_email_notifications: false } })).status).toBe(200);
    await send(alice, { type: "direct", to: [dave.id], content: "you won't get this by mail" });
    expect((await listJobs(t.store, { queue: MISSED_MESSAGE_QUEUE })).some((j) => (j.payload as { userId: number }).userId === dave.id)).toBe(false);

    for (const u of [alice, erin, frank]) {
      expect((await t.api("POST", "/users/me/subscriptions", { as: u, params: { subscriptions: [{ name: `mm-${t.dialect}` }] } })).status).toBe(200);
    }
    await send(alice, { type: "stream", to: `mm-${t.dialect}`, topic: "plans", content: `hey @**Erin Evans|${erin.id}** look` });
    await waitFor(() => mailsTo(erin.deliveryEmail).length > 0, { timeoutMs: 15_000, what: "mention email" });
    expect(unfold(mailsTo(erin.deliveryEmail)[0]!.raw)).toContain(`mm-${t.dialect} > plans`);
    await idle();
    expect(mailsTo(dave.deliveryEmail)).toEqual([]);
    expect(mailsTo(frank.deliveryEmail)).toEqual([]); // subscribed, not mentioned
    expect(mailsTo(alice.deliveryEmail)).toEqual([]);
  });

  test("a stream wildcard mention emails subscribers who keep wildcard_mentions_notify on", async () => {
    const alice = await person();
    const gina = await person();
    const hank = await person();
    const stream = `wild-${t.dialect}`;
    for (const u of [alice, gina, hank]) {
      expect((await t.api("POST", "/users/me/subscriptions", { as: u, params: { subscriptions: [{ name: stream }] } })).status).toBe(200);
    }
    expect((await t.api("PATCH", "/settings", { as: hank, params: { wildcard_mentions_notify: false } })).status).toBe(200);
    await send(alice, { type: "stream", to: stream, topic: "news", content: "@**all** release today" });
    await waitFor(() => mailsTo(gina.deliveryEmail).length > 0, { timeoutMs: 15_000, what: "wildcard email" });
    await idle();
    expect(mailsTo(hank.deliveryEmail)).toEqual([]);
    expect(mailsTo(alice.deliveryEmail)).toEqual([]);
  });

  test("messages to a bot, and a rolled-back send, queue no email", async () => {
    const alice = await person();
    const bot = await t.user({ isBot: true, botType: 1, botOwnerId: alice.id });
    await send(alice, { type: "direct", to: [bot.id], content: "hi bot" });
    const bad = await t.api("POST", "/messages", { as: alice, params: { type: "stream", to: "no-such-stream", topic: "x", content: "x" }, validate: false });
    expect(bad.status).toBe(400);
    const queued = (await listJobs(t.store, { queue: MISSED_MESSAGE_QUEUE })).map((j) => (j.payload as { userId: number }).userId);
    expect(queued).not.toContain(bot.id);
  });

  // ---------------------------------------------------------------- outgoing webhooks

  const createHookBot = async (owner: TestUser, name: string) => {
    const r = await t.api("POST", "/bots", {
      as: owner,
      params: { full_name: name, short_name: name.toLowerCase().replace(/\W/g, ""), bot_type: 3, payload_url: JSON.stringify(`http://127.0.0.1:${botServer.port}/hook`), interface_type: 1 },
    });
    expect(r.status).toBe(200);
    return r.body.user_id as number;
  };

  test("POST /bots: an outgoing-webhook bot needs a payload_url; GET /bots shows its service", async () => {
    const owner = await person();
    const missing = await t.api("POST", "/bots", { as: owner, params: { full_name: "No Url", short_name: "nourl", bot_type: 3 }, validate: false });
    expect(missing.status).toBe(400);
    const id = await createHookBot(owner, `Svc ${t.dialect}`);
    const bots = (await t.api("GET", "/bots", { as: owner })).body.bots as { user_id: number; services: { base_url: string; token: string }[] }[];
    const b = bots.find((x) => x.user_id === id)!;
    expect(b.services[0]!.base_url).toBe(`http://127.0.0.1:${botServer.port}/hook`);
    expect(b.services[0]!.token.length).toBeGreaterThan(20);
    const other = await person();
    expect(((await t.api("GET", "/bots", { as: other })).body.bots as { user_id: number }[]).some((x) => x.user_id === id)).toBe(false);
  });

  test("a DM to an outgoing-webhook bot is POSTed to its URL and the reply is posted back as the bot", async () => {
    const owner = await person();
    const botId = await createHookBot(owner, `Echo ${t.dialect}`);
    const r = await send(owner, { type: "direct", to: [botId], content: "ping 1" });
    const hook = await waitFor(() => hooks.find((h) => h.message?.id === r.body.id && h.bot_full_name === `Echo ${t.dialect}`), { timeoutMs: 15_000, what: "webhook call" });
    expect(hook.trigger).toBe("direct_message");
    expect(hook.data).toBe("ping 1");
    expect(hook.bot_full_name).toBe(`Echo ${t.dialect}`);
    expect(typeof hook.token).toBe("string");
    const reply = await waitFor(async () => {
      const msgs = (await t.api("GET", "/messages", { as: owner, params: { anchor: "newest", num_before: 5, num_after: 0, narrow: [{ operator: "dm", operand: [botId] }] } })).body.messages as any[];
      return msgs.find((m) => m.sender_id === botId);
    }, { timeoutMs: 15_000, what: "bot reply" });
    expect(reply.content).toContain("pong: ping 1");
    await idle();
    // exactly one reply, and the bot's own reply triggered no further call
    const msgs = (await t.api("GET", "/messages", { as: owner, params: { anchor: "newest", num_before: 20, num_after: 0, narrow: [{ operator: "dm", operand: [botId] }] } })).body.messages as any[];
    expect(msgs.filter((m) => m.sender_id === botId).length).toBe(1);
    expect(hooks.filter((h) => h.bot_full_name === `Echo ${t.dialect}`).length).toBe(1);
  });

  test("a stream mention triggers the bot (reply in the same topic); an unmentioned stream message does not", async () => {
    const owner = await person();
    const name = `Helper ${t.dialect}`;
    const botId = await createHookBot(owner, name);
    const stream = `hooks-${t.dialect}`;
    expect((await t.api("POST", "/users/me/subscriptions", { as: owner, params: { subscriptions: [{ name: stream }] } })).status).toBe(200);
    await send(owner, { type: "stream", to: stream, topic: "t", content: "no mention here" });
    await send(owner, { type: "stream", to: stream, topic: "t", content: `@**${name}|${botId}** what time is it` });
    const reply = await waitFor(async () => {
      const msgs = (await t.api("GET", "/messages", { as: owner, params: { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "channel", operand: stream }, { operator: "topic", operand: "t" }] } })).body.messages as any[];
      return msgs.find((m) => m.sender_id === botId);
    }, { timeoutMs: 15_000, what: "bot reply in topic" });
    expect(reply.content).toContain("what time is it");
    const calls = hooks.filter((h) => h.bot_full_name === name);
    expect(calls.length).toBe(1);
    expect(calls[0]!.trigger).toBe("mention");
    // a quiet answer posts nothing
    await send(owner, { type: "stream", to: stream, topic: "t", content: `@**${name}|${botId}** quiet please` });
    await waitFor(() => hooks.filter((h) => h.bot_full_name === name).length === 2, { timeoutMs: 15_000 });
    await idle();
    const msgs = (await t.api("GET", "/messages", { as: owner, params: { anchor: "newest", num_before: 20, num_after: 0, narrow: [{ operator: "channel", operand: stream }] } })).body.messages as any[];
    expect(msgs.filter((m) => m.sender_id === botId).length).toBe(1);
  });

  test("a failing webhook tells the bot's owner by DM; nobody else hears of it", async () => {
    const owner = await person();
    const name = `Broken ${t.dialect}`;
    const botId = await createHookBot(owner, name);
    const other = await person();
    const r = await send(other, { type: "direct", to: [botId], content: "fail please" });
    const note = await waitFor(async () => {
      const msgs = (await t.api("GET", "/messages", { as: owner, params: { anchor: "newest", num_before: 5, num_after: 0, narrow: [{ operator: "dm", operand: [botId] }] } })).body.messages as any[];
      return msgs.find((m) => m.sender_id === botId);
    }, { timeoutMs: 15_000, what: "owner notice" });
    expect(note.content).toContain(`#narrow/id/${r.body.id}`);
    expect(note.content).toContain("400");
    const seen = (await t.api("GET", "/messages", { as: other, params: { anchor: "newest", num_before: 10, num_after: 0, narrow: [{ operator: "dm", operand: [botId] }] } })).body.messages as any[];
    expect(seen.filter((m) => m.sender_id === botId)).toEqual([]);
    const dead = await listJobs(t.store, { queue: OUTGOING_WEBHOOK_QUEUE, state: "dead" });
    expect(dead.some((j) => (j.payload as { botUserId: number }).botUserId === botId)).toBe(true);
  });
}, {
  config: {
    emailUrl: `smtp://127.0.0.1:${smtpPort}`,
    emailTls: "none",
    emailFrom: "Hearth Test <noreply@testserver.example>",
    missedMessageDelaySeconds: 1,
  },
  app: { jobs: { pollMs: 200 } },
});
