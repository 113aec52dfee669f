// Zulip's verify_action discipline: snapshot → action → events → apply the events to the
// snapshot → it must equal a fresh snapshot; every event must match Zulip's schema.
import { expect } from "bun:test";
import type { TestEnv } from "./app.ts";
import type { EventEnvelope, ZulipEvent } from "../../src/events/bus.ts";
import { fetchInitialState, applyEvent, defaultRegisterOptions } from "../../src/events/state/fetch.ts";
import type { RegisterOptions, StateContext } from "../../src/events/state/types.ts";
import { userById, type UserRow } from "../../src/db/repo/users.ts";
import { realmById } from "../../src/db/repo/realms.ts";
import { validateEvent } from "./openapi.ts";

/** What `userId`'s queue would receive from one envelope (per-user overrides merged). */
export function eventFor(env: EventEnvelope, userId: number): ZulipEvent | null {
  if (!env.userIds.includes(userId)) return null;
  const extra = env.perUser?.[userId];
  return extra ? ({ ...env.event, ...extra } as ZulipEvent) : env.event;
}

/** Runs fn and returns the events each listed user would receive (in order). */
export async function captureEvents<T>(t: TestEnv, fn: () => Promise<T>): Promise<{ result: T; envelopes: EventEnvelope[]; forUser(id: number): ZulipEvent[] }> {
  const envelopes: EventEnvelope[] = [];
  const off = t.app.bus.subscribe((batch) => envelopes.push(...batch));
  let result: T;
  try {
    result = await fn();
    await Bun.sleep(0);
  } finally {
    off();
  }
  return {
    result: result!,
    envelopes,
    forUser: (id) => envelopes.map((e) => eventFor(e, id)).filter((e): e is ZulipEvent => e !== null),
  };
}

async function contextFor(t: TestEnv, user: UserRow, options: Partial<RegisterOptions>): Promise<StateContext> {
  const fresh = (await userById(t.store, user.id)) ?? user;
  const realm = (await realmById(t.store, fresh.realmId))!;
  return { deps: t.deps, realm, user: fresh, options: defaultRegisterOptions(options) };
}

/**
 * Snapshot for `user`, run `fn`, apply the events `user` receives, compare with a fresh
 * snapshot. Returns the events so the test can assert on them too.
 */
export async function verifyAction<T>(
  t: TestEnv,
  user: UserRow,
  fn: () => Promise<T>,
  opts: { options?: Partial<RegisterOptions>; expectEvents?: boolean } = {},
): Promise<{ result: T; events: ZulipEvent[] }> {
  const before = await fetchInitialState(await contextFor(t, user, opts.options ?? {}));
  const { result, forUser } = await captureEvents(t, fn);
  const events = forUser(user.id);
  if (opts.expectEvents !== false) expect(events.length).toBeGreaterThan(0);
  const state = structuredClone(before);
  const ctx = await contextFor(t, user, opts.options ?? {});
  for (const e of events) {
    validateEvent({ ...e, id: 0 });
    if (!applyEvent(state, e, ctx)) throw new Error(`no state provider applies event ${e.type}/${String(e.op ?? "")}`);
  }
  const after = await fetchInitialState(ctx);
  // The clock moves between the two snapshots; Zulip's verify_action ignores it too.
  for (const s of [state, after]) delete s.server_timestamp;
  expect(state).toEqual(after);
  return { result, events };
}
