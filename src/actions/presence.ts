// Presence: Zulip's hottest endpoint (about a third of all requests: every client pings
// every minute). The live copy is kept in memory per node and answers every read; the
// database is written lazily, in batches every `presenceFlushSeconds` and at shutdown,
// and read once per realm when the node first needs it. A ping therefore costs a map
// lookup, and it opens a transaction only when the user's visible state changes (coming
// online, or idle → active), which is when an event has to go out.
//
// Timestamps are UNIX seconds, as on the wire. Semantics follow Zulip's
// do_update_user_presence: a row per user with last_connected_time (any ping) and
// last_active_time (status=active), rewritten at most every 55 s unless the user becomes
// active, and a per-realm sequence number (presence_last_update_id) for incremental
// fetches.
import type { ActionDeps } from "./deps.ts";
import { inTx } from "./tx.ts";
import { realmPresenceRows, upsertPresenceRows, type PresenceRow } from "../db/repo/presence.ts";
import { activeUserIdsInRealm, usersInRealm, type UserRow } from "../db/repo/users.ts";
import type { RealmRow } from "../db/repo/realms.ts";
import type { Store } from "../db/types.ts";
import { realmSetting, userSetting } from "../domain/settings-read.ts";

/** Zulip's server-side presence constants (zproject/default_settings.py). */
export const PRESENCE = {
  pingIntervalSeconds: 60,
  offlineThresholdSeconds: 140,
  /** a ping within this long of the last write changes nothing (PRESENCE_UPDATE_MIN_FREQ_SECONDS) */
  updateMinFreqSeconds: 55,
  /** legacy format: "active" when last active within this long of last connected */
  legacyActivityOffsetSeconds: 70,
  defaultHistoryDays: 14,
} as const;

export type PresenceStatus = "active" | "idle";

interface Entry {
  userId: number;
  lastConnected: number;
  lastActive: number | null;
  updateId: number;
  /** the user is active and shares presence (presence_enabled) */
  visible: boolean;
}

interface RealmPresence {
  entries: Map<number, Entry>;
  /** the realm's presence sequence (presence_last_update_id) */
  seq: number;
  /**
   * The change log in sequence order: (updateId, userId) pairs, appended on every change.
   * An incremental fetch (last_update_id=N, what every client sends each minute) binary-
   * searches it and reads only the tail instead of scanning the whole realm. Pairs whose
   * user changed again later are stale and skipped; the log is compacted when it doubles.
   */
  logIds: number[];
  logUsers: number[];
}

function logChange(rp: RealmPresence, e: Entry) {
  rp.logIds.push(e.updateId);
  rp.logUsers.push(e.userId);
  if (rp.logIds.length > 2 * rp.entries.size + 64) {
    const live = [...rp.entries.values()].sort((a, b) => a.updateId - b.updateId);
    rp.logIds = live.map((x) => x.updateId);
    rp.logUsers = live.map((x) => x.userId);
  }
}

/** Entries changed after `after`, from the log (each user once, at their latest change). */
function changedSince(rp: RealmPresence, after: number): Entry[] {
  let lo = 0;
  let hi = rp.logIds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rp.logIds[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  const out: Entry[] = [];
  for (let i = lo; i < rp.logIds.length; i++) {
    const e = rp.entries.get(rp.logUsers[i]!);
    if (e && e.updateId === rp.logIds[i]) out.push(e);
  }
  return out;
}

const isVisible = (u: { isActive: boolean; settings: Record<string, unknown> | null }) =>
  u.isActive && userSetting<boolean>(u, "presence_enabled", true) !== false;

/**
 * The node's in-memory presence for every realm it has served, plus the rows still to be
 * written. One per store (so tests with several apps in one process stay separate).
 */
export class PresenceTracker {
  private realms = new Map<number, RealmPresence>();
  private loading = new Map<number, Promise<RealmPresence>>();
  private dirty = new Map<number, PresenceRow>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private flushing: Promise<void> | null = null;
  stopped = false;

  constructor(private deps: ActionDeps) {}

  /** The realm's presence, loaded from the database the first time. */
  realm(realmId: number): RealmPresence | Promise<RealmPresence> {
    const have = this.realms.get(realmId);
    if (have) return have;
    let p = this.loading.get(realmId);
    if (!p) {
      p = (async () => {
        const rows = await realmPresenceRows(this.deps.store, realmId);
        const rp: RealmPresence = { entries: new Map(), seq: 0, logIds: [], logUsers: [] };
        for (const r of rows) {
          rp.entries.set(r.userId, {
            userId: r.userId,
            lastConnected: toSec(r.lastConnectedTime),
            lastActive: r.lastActiveTime ? toSec(r.lastActiveTime) : null,
            updateId: r.lastUpdateId,
            visible: isVisible(r),
          });
          if (r.lastUpdateId > rp.seq) rp.seq = r.lastUpdateId;
        }
        for (const e of [...rp.entries.values()].sort((a, b) => a.updateId - b.updateId)) {
          rp.logIds.push(e.updateId);
          rp.logUsers.push(e.userId);
        }
        // Concurrent first requests share this one load (see `loading`), so nothing else
        // can have put the realm in memory meanwhile.
        this.realms.set(realmId, rp);
        this.loading.delete(realmId);
        return rp;
      })();
      p.catch(() => this.loading.delete(realmId));
      this.loading.set(realmId, p);
    }
    return p;
  }

  /** The loaded realm, or undefined (for synchronous readers such as apply_events). */
  loaded(realmId: number): RealmPresence | undefined {
    return this.realms.get(realmId);
  }

  markDirty(realmId: number, e: Entry) {
    this.dirty.set(e.userId, {
      userId: e.userId,
      realmId,
      lastConnectedTime: new Date(e.lastConnected * 1000),
      lastActiveTime: e.lastActive === null ? null : new Date(e.lastActive * 1000),
      lastUpdateId: e.updateId,
    });
    if (!this.timer && !this.stopped) {
      this.timer = setInterval(() => void this.flush(), this.deps.config.presenceFlushSeconds * 1000);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  get pending(): number {
    return this.dirty.size;
  }

  /** Writes every pending row in one transaction; rows that fail stay pending. */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing;
    if (this.dirty.size === 0) return;
    const batch = [...this.dirty.values()];
    this.dirty.clear();
    this.flushing = (async () => {
      try {
        await this.deps.store.withTx(async (tx) => {
          for (let i = 0; i < batch.length; i += 500) await upsertPresenceRows(tx, batch.slice(i, i + 500));
        });
      } catch (err) {
        // Keep what was not written, unless a newer update replaced it meanwhile.
        for (const r of batch) if (!this.dirty.has(r.userId)) this.dirty.set(r.userId, r);
        this.deps.log.error("presence flush failed", { err, rows: batch.length });
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }

  /** Final flush at shutdown; no timer afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Drops a user from memory (deactivation); their row stays for history. */
  forget(realmId: number, userId: number) {
    this.realms.get(realmId)?.entries.delete(userId);
  }
}

const trackers = new WeakMap<Store, PresenceTracker>();

export function presenceTracker(deps: ActionDeps): PresenceTracker {
  let t = trackers.get(deps.store);
  if (!t) {
    t = new PresenceTracker(deps);
    trackers.set(deps.store, t);
  }
  return t;
}

/** Flush and stop the presence writer (the app's shutdown hook). */
export async function stopPresence(deps: ActionDeps): Promise<void> {
  await trackers.get(deps.store)?.stop();
}

/** Call when a user is deactivated, so the node stops reporting them. */
export function forgetUserPresence(deps: ActionDeps, realmId: number, userId: number) {
  trackers.get(deps.store)?.forget(realmId, userId);
}

const toSec = (d: Date) => Math.floor(d.getTime() / 1000);

function legacyStatus(e: Entry): { status: PresenceStatus; timestamp: number } {
  if (e.lastActive !== null && e.lastActive + PRESENCE.legacyActivityOffsetSeconds >= e.lastConnected) {
    return { status: "active", timestamp: e.lastActive };
  }
  return { status: "idle", timestamp: e.lastConnected };
}

function modernDict(e: Entry) {
  // Clients (zulip-flutter) require both keys; a user never seen active reports 0.
  return { active_timestamp: e.lastActive ?? 0, idle_timestamp: e.lastConnected };
}

function legacyDict(e: Entry) {
  const s = legacyStatus(e);
  return {
    website: { client: "website", status: s.status, timestamp: s.timestamp, pushable: false },
    aggregated: { client: "website", status: s.status, timestamp: s.timestamp },
  };
}

export function presenceDisabled(realm: RealmRow): boolean {
  return realmSetting<boolean>(realm, "presence_disabled", false) === true;
}

// ---- the update ---------------------------------------------------------------------

export interface PresenceUpdateResult {
  /** whether the stored state changed (a write is pending) */
  changed: boolean;
  /** whether a presence event was sent */
  notified: boolean;
}

/**
 * Records a presence ping. Costs a map lookup unless the state changed; opens a
 * transaction only to send an event when the user comes online or becomes active.
 */
export async function updatePresence(
  deps: ActionDeps,
  realm: RealmRow,
  user: UserRow,
  status: PresenceStatus,
): Promise<PresenceUpdateResult> {
  const tracker = presenceTracker(deps);
  const loaded = tracker.realm(realm.id);
  const rp = loaded instanceof Promise ? await loaded : loaded;
  const now = Math.floor(deps.now().getTime() / 1000);
  const visible = isVisible(user);
  let e = rp.entries.get(user.id);
  let created = false;
  let becameOnline = false;
  let becameActive = false;
  let changed = false;
  if (!e) {
    e = { userId: user.id, lastConnected: now, lastActive: status === "active" ? now : null, updateId: 0, visible };
    rp.entries.set(user.id, e);
    created = changed = true;
  } else {
    const wasStatus = legacyStatus(e).status;
    becameOnline = e.lastConnected + PRESENCE.offlineThresholdSeconds < now;
    if (now - e.lastConnected > PRESENCE.updateMinFreqSeconds || becameOnline) {
      e.lastConnected = now;
      changed = true;
    }
    if (status === "active" && (e.lastActive === null || now - e.lastActive > PRESENCE.updateMinFreqSeconds || wasStatus === "idle")) {
      e.lastActive = now;
      e.lastConnected = Math.max(e.lastConnected, now);
      changed = true;
      becameActive = wasStatus === "idle";
    }
    if (e.visible !== visible) {
      e.visible = visible;
      changed = true;
    }
  }
  if (!changed) return { changed: false, notified: false };
  e.updateId = ++rp.seq;
  logChange(rp, e);
  tracker.markDirty(realm.id, e);
  const notify = (created || becameOnline || becameActive) && visible && !presenceDisabled(realm);
  if (!notify) return { changed: true, notified: false };
  const entry = { ...e };
  await inTx(deps, async (tx) => {
    const recipients = await activeUserIdsInRealm(tx, realm.id);
    tx.notify(presenceEvent(user, entry, now, deps.now()), recipients, realm.id);
  });
  return { changed: true, notified: true };
}

/**
 * One event carrying both of Zulip's formats: the modern `presences` (clients with the
 * simplified_presence_events capability read only that) and the legacy
 * user_id/email/server_timestamp/presence (older clients ignore `presences`). Both match
 * Zulip's schema for the presence event; sending one payload keeps the bus free of
 * per-queue capability handling.
 */
function presenceEvent(user: UserRow, e: Entry, _nowSec: number, now: Date) {
  const legacy = legacyDict(e).website;
  return {
    type: "presence",
    user_id: user.id,
    email: user.email,
    server_timestamp: now.getTime() / 1000,
    presence: { website: legacy },
    presences: { [String(user.id)]: modernDict(e) },
  };
}

// ---- reads --------------------------------------------------------------------------

export interface PresenceQuery {
  /** modern (user-id keyed) or legacy (email keyed) */
  slim: boolean;
  /** return only users changed after this sequence number (modern only) */
  lastUpdateId?: number | null;
  historyLimitDays?: number | null;
}

export interface PresenceSnapshot {
  presences: Record<string, unknown>;
  server_timestamp: number;
  presence_last_update_id: number;
}

/** The realm's presence as the asking user may see it, in either format. */
export async function realmPresence(deps: ActionDeps, realm: RealmRow, q: PresenceQuery): Promise<PresenceSnapshot> {
  const loaded = presenceTracker(deps).realm(realm.id);
  const rp = loaded instanceof Promise ? await loaded : loaded;
  const nowMs = deps.now().getTime();
  const out: PresenceSnapshot = { presences: {}, server_timestamp: nowMs / 1000, presence_last_update_id: rp.seq };
  if (presenceDisabled(realm)) return out;
  const lastUpdateId = q.lastUpdateId ?? -1;
  // history_limit_days only bounds an initial fetch (Zulip ignores it once the client has data).
  const days = lastUpdateId > 0 ? null : (q.historyLimitDays ?? PRESENCE.defaultHistoryDays);
  const since = days === null ? -Infinity : Math.floor(nowMs / 1000) - days * 86400;
  const candidates = lastUpdateId > 0 ? changedSince(rp, lastUpdateId) : rp.entries.values();
  const picked: Entry[] = [];
  for (const e of candidates) {
    if (e.visible && e.updateId > lastUpdateId && e.lastConnected >= since) picked.push(e);
  }
  if (q.slim) {
    for (const e of picked) out.presences[String(e.userId)] = modernDict(e);
  } else if (picked.length) {
    const emails = new Map((await usersInRealm(deps.store, realm.id)).map((u) => [u.id, u.email]));
    for (const e of picked) {
      const email = emails.get(e.userId);
      if (email) out.presences[email] = legacyDict(e);
    }
  }
  return out;
}

/** One user's presence (GET /users/{id}/presence); null when there is none to show. */
export async function userPresence(deps: ActionDeps, realm: RealmRow, target: UserRow) {
  if (presenceDisabled(realm) || !isVisible(target)) return null;
  const loaded = presenceTracker(deps).realm(realm.id);
  const rp = loaded instanceof Promise ? await loaded : loaded;
  const e = rp.entries.get(target.id);
  if (!e) return null;
  const s = legacyStatus(e);
  return { website: { status: s.status, timestamp: s.timestamp }, aggregated: { status: s.status, timestamp: s.timestamp } };
}

/**
 * For apply_events (verify_action): the sequence number and presence entry as this node
 * knows them right now. Zulip's apply_event re-reads presence the same way.
 */
export function presenceNow(deps: ActionDeps, realmId: number, userId: number, slim: boolean) {
  const rp = presenceTracker(deps).loaded(realmId);
  const e = rp?.entries.get(userId);
  return { seq: rp?.seq ?? 0, value: e ? (slim ? modernDict(e) : legacyDict(e)) : null };
}
