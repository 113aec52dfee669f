// Client state: the /register snapshot kept current by applying events, the message
// cache, unread tracking and the current feed. Components read it through useStore();
// every change bumps one version number and re-renders (the feed is windowed, so a
// render touches at most a few hundred rows).
import { useSyncExternalStore } from "hono/jsx/dom";
import { api } from "./api.ts";
import { dmPartners, matches, narrowToApi, sameNarrow, type Narrow } from "./narrow.ts";

export interface User {
  user_id: number;
  email: string;
  full_name: string;
  avatar_url?: string | null;
  is_active?: boolean;
  is_bot?: boolean;
  role?: number;
  timezone?: string;
}
export interface Sub {
  stream_id: number;
  name: string;
  color?: string;
  description?: string;
  invite_only?: boolean;
  is_muted?: boolean;
  pin_to_top?: boolean;
}
export interface Reaction {
  emoji_name: string;
  emoji_code: string;
  reaction_type: string;
  user_id: number;
}
export interface Message {
  id: number;
  sender_id: number;
  sender_full_name: string;
  sender_email: string;
  avatar_url?: string | null;
  content: string;
  timestamp: number;
  type: "stream" | "private";
  stream_id?: number;
  subject: string;
  display_recipient: string | { id: number; email: string; full_name: string }[];
  flags: string[];
  reactions: Reaction[];
  last_edit_timestamp?: number;
  last_moved_timestamp?: number;
  /** search results: the content with the matches highlighted by the server */
  match_content?: string;
}

export interface Feed {
  narrow: Narrow;
  ids: number[];
  foundOldest: boolean;
  foundNewest: boolean;
  loading: boolean;
  error: string | null;
  /** the message to scroll to after a (re)load */
  anchor: number | null;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let version = 0;
export function changed() {
  version++;
  for (const l of listeners) l();
}
export function useStore(): number {
  return useSyncExternalStore(
    (l: Listener) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => version,
  );
}

export const state = {
  me: 0,
  myEmail: "",
  realmName: "",
  isAdmin: false,
  isOwner: false,
  users: new Map<number, User>(),
  subs: new Map<number, Sub>(),
  streams: new Map<number, { stream_id: number; name: string; description?: string; invite_only?: boolean }>(),
  messages: new Map<number, Message>(),
  /** unread message id → conversation key ("s:<stream>:<topic lower>" or "dm:<ids>") */
  unread: new Map<number, string>(),
  unreadMentions: new Set<number>(),
  /** stream id → topic name (original case) → max message id seen */
  topics: new Map<number, Map<string, number>>(),
  /** "ids" → max message id */
  dms: new Map<string, number>(),
  /** typing: conversation key → user ids */
  typing: new Map<string, Set<number>>(),
  presence: new Map<number, { active: number; idle: number }>(),
  userStatus: new Map<number, { status_text?: string; emoji_name?: string; emoji_code?: string; away?: boolean }>(),
  settings: {} as Record<string, any>,
  realm: {} as Record<string, any>,
  realmEmoji: {} as Record<string, { name: string; source_url: string; deactivated?: boolean }>,
  feed: { narrow: { kind: "all" }, ids: [], foundOldest: false, foundNewest: false, loading: false, error: null, anchor: null } as Feed,
  connection: "connecting" as "connecting" | "live" | "reconnecting" | "offline",
};

export const topicKey = (streamId: number, topic: string) => `s:${streamId}:${topic.toLowerCase()}`;
export const dmKey = (ids: number[]) => `dm:${[...ids].sort((a, b) => a - b).join(",")}`;

export function conversationKey(m: Message): string {
  return m.type === "stream" ? topicKey(m.stream_id!, m.subject) : dmKey(dmPartners(m, state.me));
}

export const userName = (id: number) => state.users.get(id)?.full_name ?? `Unknown user ${id}`;
export const streamName = (id: number) => state.subs.get(id)?.name ?? state.streams.get(id)?.name ?? `channel ${id}`;
export const isMuted = (streamId: number) => state.subs.get(streamId)?.is_muted === true;

function noteTopic(streamId: number, topic: string, id: number) {
  let t = state.topics.get(streamId);
  if (!t) state.topics.set(streamId, (t = new Map()));
  // one entry per topic, case-insensitively (Zulip topics are case-insensitive)
  for (const [name, max] of t) {
    if (name.toLowerCase() === topic.toLowerCase()) {
      if (id > max) t.set(name, id);
      return;
    }
  }
  t.set(topic, id);
}

function noteMessage(m: Message) {
  if (m.type === "stream" && m.stream_id) noteTopic(m.stream_id, m.subject, m.id);
  else {
    const k = dmPartners(m, state.me).join(",");
    if (m.id > (state.dms.get(k) ?? 0)) state.dms.set(k, m.id);
  }
  if (!m.flags.includes("read")) state.unread.set(m.id, conversationKey(m));
  else state.unread.delete(m.id);
}

/** Applies the POST /register snapshot. */
export function loadSnapshot(r: any) {
  state.me = r.user_id;
  state.myEmail = r.email ?? "";
  state.realmName = r.realm_name ?? state.realmName;
  state.isAdmin = !!r.is_admin;
  state.isOwner = !!r.is_owner;
  state.realm = r;
  state.users = new Map((r.realm_users ?? []).map((u: User) => [u.user_id, u]));
  for (const b of r.realm_bots ?? []) if (!state.users.has(b.user_id)) state.users.set(b.user_id, { ...b, is_bot: true });
  state.subs = new Map((r.subscriptions ?? []).map((s: Sub) => [s.stream_id, s]));
  state.streams = new Map((r.streams ?? []).map((s: any) => [s.stream_id, s]));
  state.settings = { ...(r.user_settings ?? {}) };
  state.realmEmoji = r.realm_emoji ?? {};
  state.unread = new Map();
  state.unreadMentions = new Set(r.unread_msgs?.mentions ?? []);
  for (const s of r.unread_msgs?.streams ?? []) {
    for (const id of s.unread_message_ids) state.unread.set(id, topicKey(s.stream_id, s.topic));
    noteTopic(s.stream_id, s.topic, Math.max(...s.unread_message_ids));
  }
  for (const p of r.unread_msgs?.pms ?? []) {
    const other = p.other_user_id ?? p.sender_id;
    for (const id of p.unread_message_ids) state.unread.set(id, dmKey(other === state.me ? [] : [other]));
  }
  for (const h of r.unread_msgs?.huddles ?? []) {
    const ids = String(h.user_ids_string).split(",").map(Number).filter((id) => id !== state.me);
    for (const id of h.unread_message_ids) state.unread.set(id, dmKey(ids));
  }
  state.dms = new Map();
  for (const c of r.recent_private_conversations ?? []) {
    const k = [...c.user_ids].filter((id: number) => id !== state.me).sort((a: number, b: number) => a - b).join(",");
    state.dms.set(k, c.max_message_id);
  }
  state.userStatus = new Map(Object.entries<any>(r.user_status ?? {}).map(([k, v]) => [Number(k), v]));
  state.presence = new Map();
  const pres = r.presences ?? {};
  for (const [k, v] of Object.entries<any>(pres)) {
    const id = Number(k);
    if (Number.isFinite(id)) state.presence.set(id, { active: v.active_timestamp ?? 0, idle: v.idle_timestamp ?? 0 });
  }
  changed();
}

// ---- the feed -------------------------------------------------------------------------

let feedSeq = 0;
export const PAGE = 100;

export async function openNarrow(narrow: Narrow, anchor: "first_unread" | "newest" | number = "first_unread") {
  const seq = ++feedSeq;
  state.feed = { narrow, ids: [], foundOldest: false, foundNewest: false, loading: true, error: null, anchor: null };
  changed();
  try {
    const r = await api("GET", "/messages", {
      anchor: String(anchor),
      num_before: PAGE,
      num_after: PAGE,
      narrow: narrowToApi(narrow),
      apply_markdown: true,
      client_gravatar: false,
    });
    if (seq !== feedSeq) return;
    for (const m of r.messages as Message[]) addMessage(m);
    state.feed.ids = (r.messages as Message[]).map((m) => m.id);
    state.feed.foundOldest = !!r.found_oldest;
    state.feed.foundNewest = !!r.found_newest;
    state.feed.anchor = typeof r.anchor === "number" && r.anchor > 0 && r.anchor < 1e15 ? r.anchor : null;
  } catch (e) {
    if (seq !== feedSeq) return;
    state.feed.error = (e as Error).message;
  }
  state.feed.loading = false;
  changed();
}

/** Loads older (before) or newer (after) messages of the current narrow. */
export async function loadMore(direction: "older" | "newer") {
  const f = state.feed;
  if (f.loading || (direction === "older" ? f.foundOldest : f.foundNewest) || f.ids.length === 0) return;
  const seq = feedSeq;
  f.loading = true;
  changed();
  try {
    const anchor = direction === "older" ? f.ids[0]! : f.ids[f.ids.length - 1]!;
    const r = await api("GET", "/messages", {
      anchor: String(anchor),
      include_anchor: false,
      num_before: direction === "older" ? PAGE : 0,
      num_after: direction === "newer" ? PAGE : 0,
      narrow: narrowToApi(f.narrow),
      apply_markdown: true,
      client_gravatar: false,
    });
    if (seq !== feedSeq) return;
    const got = (r.messages as Message[]).filter((m) => !f.ids.includes(m.id));
    for (const m of got) addMessage(m);
    const ids = got.map((m) => m.id);
    f.ids = direction === "older" ? [...ids, ...f.ids] : [...f.ids, ...ids];
    if (direction === "older") f.foundOldest = !!r.found_oldest || got.length === 0;
    else f.foundNewest = !!r.found_newest || got.length === 0;
  } catch (e) {
    f.error = (e as Error).message;
  } finally {
    if (seq === feedSeq) f.loading = false;
    changed();
  }
}

export function addMessage(m: Message) {
  m.flags ??= [];
  m.reactions ??= [];
  state.messages.set(m.id, m);
  noteMessage(m);
}

function replaceMessage(id: number, patch: Partial<Message>) {
  const m = state.messages.get(id);
  if (!m) return;
  // a new object, so memoized rows see the change
  state.messages.set(id, { ...m, ...patch });
}

// ---- events ---------------------------------------------------------------------------

export type Notifier = (m: Message) => void;
let notifier: Notifier = () => {};
export function setNotifier(fn: Notifier) {
  notifier = fn;
}

export function applyEvent(ev: any) {
  switch (ev.type) {
    case "message": {
      const m: Message = { ...ev.message, flags: ev.flags ?? ev.message.flags ?? [] };
      addMessage(m);
      const f = state.feed;
      if (f.foundNewest && matches(f.narrow, m, state.me, isMuted) && !f.ids.includes(m.id)) {
        f.ids = [...f.ids, m.id].sort((a, b) => a - b);
      }
      for (const set of state.typing.values()) set.delete(m.sender_id);
      if (m.sender_id !== state.me) notifier(m);
      break;
    }
    case "update_message": {
      const ids: number[] = ev.message_ids ?? [ev.message_id];
      for (const id of ids) {
        const m = state.messages.get(id);
        if (!m) continue;
        const patch: Partial<Message> = {};
        if (id === ev.message_id && ev.rendered_content !== undefined) {
          patch.content = ev.rendered_content;
          patch.last_edit_timestamp = ev.edit_timestamp;
        }
        const topic = ev.subject ?? ev.topic;
        if (topic !== undefined) {
          patch.subject = topic;
          patch.last_moved_timestamp = ev.edit_timestamp;
        }
        if (ev.new_stream_id !== undefined) patch.stream_id = ev.new_stream_id;
        replaceMessage(id, patch);
        const nm = state.messages.get(id)!;
        noteMessage(nm);
      }
      if (ev.subject !== undefined || ev.new_stream_id !== undefined) {
        // a moved topic: drop messages that left the narrow
        const f = state.feed;
        if (f.narrow.kind === "topic" || f.narrow.kind === "stream") {
          f.ids = f.ids.filter((id) => {
            const m = state.messages.get(id);
            return !m || matches(f.narrow, m, state.me, isMuted);
          });
        }
      }
      break;
    }
    case "delete_message": {
      const ids: number[] = ev.message_ids ?? [ev.message_id];
      for (const id of ids) {
        state.messages.delete(id);
        state.unread.delete(id);
      }
      state.feed.ids = state.feed.ids.filter((id) => !ids.includes(id));
      break;
    }
    case "reaction": {
      const m = state.messages.get(ev.message_id);
      if (!m) break;
      const r: Reaction = { emoji_name: ev.emoji_name, emoji_code: ev.emoji_code, reaction_type: ev.reaction_type, user_id: ev.user_id ?? ev.user?.user_id };
      const same = (x: Reaction) => x.user_id === r.user_id && x.emoji_code === r.emoji_code && x.reaction_type === r.reaction_type;
      const reactions = ev.op === "add" ? [...m.reactions.filter((x) => !same(x)), r] : m.reactions.filter((x) => !same(x));
      replaceMessage(m.id, { reactions });
      break;
    }
    case "update_message_flags": {
      const ids: number[] = ev.all ? [...state.messages.keys()] : ev.messages ?? [];
      for (const id of ids) {
        const m = state.messages.get(id);
        if (m) {
          const flags = ev.op === "add" ? [...new Set([...m.flags, ev.flag])] : m.flags.filter((f) => f !== ev.flag);
          replaceMessage(id, { flags });
        }
        if (ev.flag === "read") {
          if (ev.op === "add") {
            state.unread.delete(id);
            state.unreadMentions.delete(id);
          } else {
            const d = ev.message_details?.[id];
            if (m) state.unread.set(id, conversationKey(m));
            else if (d) state.unread.set(id, d.type === "stream" ? topicKey(d.stream_id, d.topic) : dmKey(d.user_ids ?? []));
          }
        }
      }
      if (ev.all && ev.flag === "read" && ev.op === "add") {
        state.unread.clear();
        state.unreadMentions.clear();
      }
      break;
    }
    case "subscription": {
      if (ev.op === "add") for (const s of ev.subscriptions) state.subs.set(s.stream_id, s);
      else if (ev.op === "remove") for (const s of ev.subscriptions) state.subs.delete(s.stream_id);
      else if (ev.op === "update") {
        const s = state.subs.get(ev.stream_id);
        if (s) {
          const prop = ev.property === "in_home_view" ? "is_muted" : ev.property;
          state.subs.set(ev.stream_id, { ...s, [prop]: ev.property === "in_home_view" ? !ev.value : ev.value });
        }
      }
      break;
    }
    case "stream": {
      if (ev.op === "create") for (const s of ev.streams) state.streams.set(s.stream_id, s);
      else if (ev.op === "delete") for (const s of ev.streams) {
        state.streams.delete(s.stream_id);
        state.subs.delete(s.stream_id);
      }
      else if (ev.op === "update") {
        const s = state.subs.get(ev.stream_id);
        if (s) state.subs.set(ev.stream_id, { ...s, [ev.property]: ev.value });
        const t = state.streams.get(ev.stream_id);
        if (t) state.streams.set(ev.stream_id, { ...t, [ev.property]: ev.value });
      }
      break;
    }
    case "typing": {
      // a DM conversation from my side: every participant but me (sender included)
      const people = new Set<number>([...(ev.recipients ?? []).map((r: any) => r.user_id), ev.sender?.user_id]);
      people.delete(state.me);
      const key = ev.message_type === "stream" ? topicKey(ev.stream_id, ev.topic) : dmKey([...people]);
      let set = state.typing.get(key);
      if (!set) state.typing.set(key, (set = new Set()));
      if (ev.op === "start") {
        set.add(ev.sender.user_id);
        scheduleTypingExpiry(key, ev.sender.user_id);
      } else set.delete(ev.sender.user_id);
      break;
    }
    case "presence": {
      const id = ev.user_id;
      const p = state.presence.get(id) ?? { active: 0, idle: 0 };
      for (const v of Object.values<any>(ev.presence ?? {})) {
        if (v.status === "active") p.active = Math.max(p.active, v.timestamp);
        else p.idle = Math.max(p.idle, v.timestamp);
      }
      state.presence.set(id, { ...p });
      break;
    }
    case "realm_user": {
      const u = ev.person;
      if (ev.op === "add") state.users.set(u.user_id, u);
      else if (ev.op === "remove") {
        const old = state.users.get(u.user_id);
        if (old) state.users.set(u.user_id, { ...old, is_active: false });
      } else if (ev.op === "update") {
        const old = state.users.get(u.user_id);
        if (old) state.users.set(u.user_id, { ...old, ...u });
      }
      break;
    }
    case "user_status": {
      const cur = state.userStatus.get(ev.user_id) ?? {};
      const next = { ...cur };
      for (const k of ["status_text", "emoji_name", "emoji_code", "away"] as const) if (ev[k] !== undefined) (next as Record<string, unknown>)[k] = ev[k];
      state.userStatus.set(ev.user_id, next);
      break;
    }
    case "user_settings": {
      if (ev.op === "update") state.settings[ev.property] = ev.value;
      break;
    }
    case "realm": {
      if (ev.op === "update" && ev.property === "name") state.realmName = ev.value;
      if (ev.op === "update_dict" && ev.data) {
        Object.assign(state.realm, Object.fromEntries(Object.entries(ev.data).map(([k, v]) => [`realm_${k}`, v])));
        if (typeof ev.data.name === "string") state.realmName = ev.data.name;
      }
      break;
    }
    case "realm_emoji": {
      if (ev.op === "update") state.realmEmoji = ev.realm_emoji;
      break;
    }
    default:
      return;
  }
  changed();
}

const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
function scheduleTypingExpiry(key: string, userId: number) {
  // Zulip clients drop a typist after 15 s without a renewed "start".
  const t = `${key}|${userId}`;
  clearTimeout(typingTimers.get(t));
  typingTimers.set(t, setTimeout(() => {
    state.typing.get(key)?.delete(userId);
    changed();
  }, 15000));
}

// ---- derived --------------------------------------------------------------------------

export function unreadCounts() {
  const byStream = new Map<number, number>();
  const byTopic = new Map<string, number>();
  const byDm = new Map<string, number>();
  let total = 0;
  for (const key of state.unread.values()) {
    if (key.startsWith("s:")) {
      const sid = Number(key.slice(2, key.indexOf(":", 2)));
      if (!isMuted(sid)) total++;
      byStream.set(sid, (byStream.get(sid) ?? 0) + 1);
      byTopic.set(key, (byTopic.get(key) ?? 0) + 1);
    } else {
      total++;
      byDm.set(key, (byDm.get(key) ?? 0) + 1);
    }
  }
  return { total, byStream, byTopic, byDm, mentions: state.unreadMentions.size };
}

export function isCurrentNarrow(n: Narrow) {
  return sameNarrow(state.feed.narrow, n);
}
