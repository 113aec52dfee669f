/** @jsxImportSource hono/jsx/dom */
// Left sidebar: views (all, mentions, starred), channels (pinned first, muted dimmed) with
// the current channel's recent topics, and direct-message conversations, each with its
// unread count. Right sidebar: people with presence.
import { useEffect } from "hono/jsx/dom";
import { api } from "./api.ts";
import { state, streamName, unreadCounts, userName, dmKey, topicKey, changed } from "./store.ts";
import { narrowToHash, type Narrow } from "./narrow.ts";
import { Avatar } from "./ui.tsx";
import { Icon } from "./icons.tsx";

function Count(props: { n: number | undefined; label?: string }) {
  if (!props.n) return null;
  return <span class="count" aria-label={`${props.n} unread${props.label ? " " + props.label : ""}`}>{props.n}</span>;
}

function isActive(n: Narrow) {
  return narrowToHash(state.feed.narrow) === narrowToHash(n);
}

const fetchedTopics = new Set<number>();
function ensureTopics(streamId: number) {
  if (fetchedTopics.has(streamId)) return;
  fetchedTopics.add(streamId);
  api("GET", `/users/me/${streamId}/topics`).then((r) => {
    let t = state.topics.get(streamId);
    if (!t) state.topics.set(streamId, (t = new Map()));
    for (const x of r.topics ?? []) if (!t.has(x.name)) t.set(x.name, x.max_id);
    changed();
  }, () => fetchedTopics.delete(streamId));
}

export function Sidebar() {
  const c = unreadCounts();
  const n = state.feed.narrow;
  const openStream = n.kind === "stream" || n.kind === "topic" ? n.streamId : null;
  useEffect(() => {
    if (openStream) ensureTopics(openStream);
  }, [openStream]);
  const subs = [...state.subs.values()].sort((a, b) => Number(!!b.pin_to_top) - Number(!!a.pin_to_top) || Number(!!a.is_muted) - Number(!!b.is_muted) || a.name.localeCompare(b.name));
  const dms = [...state.dms.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15);
  const link = (narrow: Narrow, name = "") => narrowToHash(narrow, name);
  return (
    <nav class="sidebar" id="sidebar" aria-label="Channels and conversations">
      <ul class="views">
        <li><a href="#feed" aria-current={isActive({ kind: "all" }) ? "page" : undefined}>Combined feed <Count n={c.total} /></a></li>
        <li><a href={link({ kind: "mentioned" })} aria-current={isActive({ kind: "mentioned" }) ? "page" : undefined}>Mentions <Count n={c.mentions} label="mentions" /></a></li>
        <li><a href={link({ kind: "starred" })} aria-current={isActive({ kind: "starred" }) ? "page" : undefined}>Starred messages</a></li>
      </ul>
      <h2 class="side-heading">Channels</h2>
      <ul class="streams">
        {subs.map((s) => {
          const topics = openStream === s.stream_id ? [...(state.topics.get(s.stream_id)?.entries() ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 8) : [];
          return (
            <li class={`${s.is_muted ? "muted" : ""} ${s.pin_to_top ? "pinned" : ""}`}>
              <a href={link({ kind: "stream", streamId: s.stream_id }, s.name)} aria-current={isActive({ kind: "stream", streamId: s.stream_id }) ? "page" : undefined}>
                <span class="swatch" style={{ background: s.color ?? "var(--accent)" }} aria-hidden="true"></span>
                <span class="name">{s.invite_only ? <Icon name="lock" /> : null}{s.invite_only ? <span class="sr-only">private: </span> : null}{s.name}</span>
                <Count n={c.byStream.get(s.stream_id)} />
              </a>
              {topics.length ? (
                <ul class="topics" aria-label={`Topics in ${s.name}`}>
                  {topics.map(([t]) => (
                    <li>
                      <a href={link({ kind: "topic", streamId: s.stream_id, topic: t }, s.name)} aria-current={isActive({ kind: "topic", streamId: s.stream_id, topic: t }) ? "page" : undefined}>
                        <span class="name">{t || "(no topic)"}</span>
                        <Count n={c.byTopic.get(topicKey(s.stream_id, t))} />
                      </a>
                    </li>
                  ))}
                </ul>
              ) : null}
            </li>
          );
        })}
        {subs.length === 0 ? <li class="muted">You are not subscribed to any channel.</li> : null}
      </ul>
      <h2 class="side-heading">Direct messages</h2>
      <ul class="dms">
        {dms.map(([k]) => {
          const ids = k ? k.split(",").map(Number) : [];
          const narrow: Narrow = { kind: "dm", userIds: ids.length ? ids : [state.me] };
          return (
            <li>
              <a href={link(narrow)} aria-current={isActive(narrow) ? "page" : undefined}>
                <span class="name">{ids.length ? ids.map(userName).join(", ") : `${userName(state.me)} (you)`}</span>
                <Count n={c.byDm.get(dmKey(ids))} />
              </a>
            </li>
          );
        })}
        {dms.length === 0 ? <li class="muted">No conversations yet.</li> : null}
      </ul>
    </nav>
  );
}

/** Zulip's presence rule: active within 140 s → active; idle within 140 s → idle. */
export function presenceOf(userId: number): "active" | "idle" | "offline" {
  const p = state.presence.get(userId);
  const now = Date.now() / 1000;
  if (!p) return "offline";
  if (now - p.active < 140) return "active";
  if (now - p.idle < 140) return "idle";
  return "offline";
}

export function People(props: { onProfile: (id: number) => void }) {
  const order = { active: 0, idle: 1, offline: 2 };
  const people = [...state.users.values()].filter((u) => u.is_active !== false && !u.is_bot)
    .map((u) => ({ u, p: presenceOf(u.user_id) }))
    .sort((a, b) => order[a.p] - order[b.p] || a.u.full_name.localeCompare(b.u.full_name));
  return (
    <aside class="people" id="people" aria-label="People">
      <h2 class="side-heading">People</h2>
      <ul>
        {people.map(({ u, p }) => (
          <li>
            <button type="button" class="person" onClick={() => props.onProfile(u.user_id)} aria-label={`${u.full_name}, ${p}`}>
              <span class={`presence presence-${p}`} aria-hidden="true"></span>
              <span class="name">{u.full_name}{u.user_id === state.me ? " (you)" : ""}
                {state.userStatus.get(u.user_id)?.status_text ? <span class="status-text">{state.userStatus.get(u.user_id)!.status_text}</span> : null}</span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}

export function ProfileCard(props: { userId: number; onDM: () => void }) {
  const u = state.users.get(props.userId);
  if (!u) return <p>Unknown user.</p>;
  const roles: Record<number, string> = { 100: "Owner", 200: "Administrator", 300: "Moderator", 400: "Member", 600: "Guest" };
  return (
    <div class="profile">
      <Avatar userId={u.user_id} size={72} />
      <div>
        <p class="profile-name">{u.full_name}</p>
        <p class="muted">{u.email}</p>
        {state.userStatus.get(u.user_id)?.status_text ? <p>Status: {state.userStatus.get(u.user_id)!.status_text}</p> : null}
        <p>{roles[u.role ?? 400] ?? "Member"}{u.is_bot ? " · Bot" : ""} · {presenceOf(u.user_id)}</p>
        {u.timezone ? <p class="muted">Local time: {new Date().toLocaleTimeString([], { timeZone: u.timezone, hour: "numeric", minute: "2-digit" })}</p> : null}
        <button type="button" class="primary" onClick={props.onDM}>Send a direct message</button>
      </div>
    </div>
  );
}

export function narrowTitle(n: Narrow): string {
  switch (n.kind) {
    case "all": return "Combined feed";
    case "stream": return `#${streamName(n.streamId)}`;
    case "topic": return `#${streamName(n.streamId)} › ${n.topic || "(no topic)"}`;
    case "dm": return n.userIds.filter((id) => id !== state.me).length ? `Direct messages with ${n.userIds.filter((id) => id !== state.me).map(userName).join(", ")}` : "Notes to self";
    case "starred": return "Starred messages";
    case "mentioned": return "Mentions";
    case "search": return `Search: ${n.q}`;
  }
}
