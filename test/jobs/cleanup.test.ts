// Schedules of the users and messages areas: expired sessions, expired invitations, and
// message retention (realm setting and per-stream column), each run through its schedule
// tick → job → worker, on both dialects.
import { expect, test, beforeAll } from "bun:test";
import { eq, inArray } from "drizzle-orm";
import { forEachDialect, type TestUser } from "../helpers/app.ts";
import { captureEvents } from "../helpers/events.ts";
import { Role } from "../../src/domain/roles.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { insertInvitation } from "../../src/db/repo/invitations.ts";
import { userById } from "../../src/db/repo/users.ts";
import { listJobs } from "../../src/db/repo/jobs.ts";
import { applyMessageRetention, streamRetentionDays } from "../../src/actions/retention.ts";
import { INVITATIONS_CLEANUP_QUEUE, MESSAGE_RETENTION_QUEUE, SESSIONS_CLEANUP_QUEUE } from "../../src/jobs/handlers/cleanup.ts";
import { waitFor } from "./helpers.ts";

const DAY = 86_400_000;

test("effective retention: the stream's own value, -1 forever, null the realm's", () => {
  expect(streamRetentionDays(null, 30)).toBe(30);
  expect(streamRetentionDays(null, null)).toBeNull();
  expect(streamRetentionDays(-1, 30)).toBeNull();
  expect(streamRetentionDays(5, null)).toBe(5);
});

forEachDialect("cleanup schedules", (t) => {
  let tickAt = Date.UTC(2031, 0, 1);
  /** one schedule tick → its job → run by the worker */
  const runSchedule = async (name: string, queue: string) => {
    const id = await t.app.jobs.scheduler!.tick(name, new Date((tickAt += 3_600_000)));
    expect(id).not.toBeNull();
    await waitFor(async () => !(await listJobs(t.store, { queue })).some((j) => j.id === id), { timeoutMs: 20_000, what: `${queue} job` });
    expect((await listJobs(t.store, { queue, state: "dead" })).length).toBe(0);
  };

  beforeAll(() => t.app.jobs.start());

  test("expired-sessions removes expired web sessions only", async () => {
    const u = await t.user();
    const row = (await userById(t.store, u.id))!;
    const live = await createSession(t.deps, row, "127.0.0.1");
    const old = await createSession(t.deps, row, "127.0.0.1");
    const s = t.store.t.sessions;
    await t.store.withTx((tx) => tx.db.update(s).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(s.id, old.session.id)));
    await runSchedule("expired-sessions", SESSIONS_CLEANUP_QUEUE);
    const left = (await t.store.db.select({ id: s.id }).from(s).where(inArray(s.id, [live.session.id, old.session.id]))).map((r) => r.id);
    expect(left).toEqual([live.session.id]);
  });

  test("expired-invitations removes expired unaccepted invitations; live, open-ended and accepted ones stay", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const mk = (token: string, expiresAt: Date | null, acceptedAt: Date | null = null) =>
      t.store.withTx((tx) => insertInvitation(tx, {
        realmId: t.realm.id, invitedById: admin.id, email: `${token}@example.com`, isMultiuse: false, role: 400, token: `${token}-${t.dialect}`,
        streamIds: [], includeRealmDefaultSubscriptions: true, createdAt: new Date(Date.now() - 20 * DAY), expiresAt, acceptedAt,
      }));
    const expired = await mk("expired", new Date(Date.now() - DAY));
    const accepted = await mk("accepted", new Date(Date.now() - DAY), new Date(Date.now() - 2 * DAY));
    const live = await mk("live", new Date(Date.now() + DAY));
    const forever = await mk("forever", null);
    await runSchedule("expired-invitations", INVITATIONS_CLEANUP_QUEUE);
    const i = t.store.t.invitations;
    const left = (await t.store.db.select({ id: i.id }).from(i).where(inArray(i.id, [expired.id, accepted.id, live.id, forever.id]))).map((r) => r.id).sort((a, b) => a - b);
    expect(left).toEqual([accepted.id, live.id, forever.id].sort((a, b) => a - b));
  });

  describeRetention();

  function describeRetention() {
    let alice: TestUser;
    let bob: TestUser;
    const m = () => t.store.t.messages;
    const send = async (params: Record<string, unknown>) => (await t.api("POST", "/messages", { as: alice, params })).body.id as number;
    const age = (ids: number[], days: number) =>
      t.store.withTx((tx) => tx.db.update(tx.t.messages).set({ dateSent: new Date(Date.now() - days * DAY) }).where(inArray(tx.t.messages.id, ids)));
    const existing = async (ids: number[]) => (await t.store.db.select({ id: m().id }).from(m()).where(inArray(m().id, ids))).map((r) => r.id).sort((a, b) => a - b);
    const setRealmRetention = (days: number | null) =>
      t.store.withTx(async (tx) => {
        const r = (await tx.db.select().from(tx.t.realms).where(eq(tx.t.realms.id, t.realm.id)))[0]!;
        await tx.db.update(tx.t.realms).set({ settings: { ...(r.settings as object), message_retention_days: days } }).where(eq(tx.t.realms.id, t.realm.id));
      });

    test("message-retention: realm default, per-stream override and 'forever', DMs at the realm's; delete events go out", async () => {
      alice = await t.user({ role: Role.OWNER });
      bob = await t.user();
      for (const [name, retention] of [["ret-default", undefined], ["ret-forever", "unlimited"], ["ret-short", 5]] as const) {
        const r = await t.api("POST", "/users/me/subscriptions", {
          as: alice,
          params: { subscriptions: [{ name: `${name}-${t.dialect}` }], principals: [alice.id, bob.id], ...(retention !== undefined ? { message_retention_days: retention } : {}) },
        });
        expect(r.status).toBe(200);
      }
      const d40 = await send({ type: "stream", to: `ret-default-${t.dialect}`, topic: "a", content: "old default" });
      const d10 = await send({ type: "stream", to: `ret-default-${t.dialect}`, topic: "a", content: "recent default" });
      const f400 = await send({ type: "stream", to: `ret-forever-${t.dialect}`, topic: "a", content: "ancient, kept forever" });
      const s6 = await send({ type: "stream", to: `ret-short-${t.dialect}`, topic: "a", content: "six days" });
      const s2 = await send({ type: "stream", to: `ret-short-${t.dialect}`, topic: "a", content: "two days" });
      const dm40 = await send({ type: "direct", to: [bob.id], content: "old dm" });
      const dm1 = await send({ type: "direct", to: [bob.id], content: "new dm" });
      await age([d40, dm40], 40);
      await age([d10], 10);
      await age([f400], 400);
      await age([s6], 6);
      await age([s2], 2);
      const all = [d40, d10, f400, s6, s2, dm40, dm1];

      // realm unlimited (Zulip's default): only the stream with its own 5 days loses anything
      await setRealmRetention(-1);
      await runSchedule("message-retention", MESSAGE_RETENTION_QUEUE);
      expect(await existing(all)).toEqual(all.filter((id) => id !== s6).sort((a, b) => a - b));

      await setRealmRetention(30);
      const { forUser } = await captureEvents(t, () => runSchedule("message-retention", MESSAGE_RETENTION_QUEUE));
      expect(await existing(all)).toEqual([d10, f400, s2, dm1].sort((a, b) => a - b));
      const deletedFor = (id: number) => forUser(id).filter((e) => e.type === "delete_message").flatMap((e) => ((e as { message_ids?: number[] }).message_ids ?? [(e as unknown as { message_id: number }).message_id]));
      expect(deletedFor(bob.id).sort((a, b) => a - b)).toEqual([d40, dm40].sort((a, b) => a - b));
      const outsider = await t.user();
      expect(deletedFor(outsider.id)).toEqual([]);
      // the API agrees: gone for the recipient
      const msgs = (await t.api("GET", "/messages", { as: bob, params: { anchor: "newest", num_before: 50, num_after: 0 } })).body.messages as { id: number }[];
      expect(msgs.map((x) => x.id)).not.toContain(d40);
      expect(msgs.map((x) => x.id)).toContain(d10);
      await setRealmRetention(null);
    });

    test("message-retention works in batches and an interrupted run resumes", async () => {
      const stream = `ret-batch-${t.dialect}`;
      expect((await t.api("POST", "/users/me/subscriptions", { as: alice, params: { subscriptions: [{ name: stream }], message_retention_days: 1 } })).status).toBe(200);
      const ids: number[] = [];
      for (let i = 0; i < 7; i++) ids.push(await send({ type: "stream", to: stream, topic: `t${i % 2}`, content: `m${i}` }));
      await age(ids, 3);
      let stop = false;
      // stop after the first batch (as on shutdown): 3 gone, 4 left
      const first = await applyMessageRetention(t.deps, { batch: 3, shouldStop: () => stop, onBatch: () => (stop = true) });
      expect(first).toBe(3);
      expect((await existing(ids)).length).toBe(4);
      expect(await applyMessageRetention(t.deps, { batch: 3 })).toBe(4);
      expect(await existing(ids)).toEqual([]);
    });
  }
});
