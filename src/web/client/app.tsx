/** @jsxImportSource hono/jsx/dom */
// The web app's entry: register, render, follow the URL hash, poll for events, keyboard
// shortcuts, presence and desktop notifications.
import { render, useEffect, useState } from "hono/jsx/dom";
import { api } from "./api.ts";
import { csrfToken } from "./csrf.ts";
import { changed, dmKey, openNarrow, setNotifier, state, streamName, topicKey, useStore, userName, type Message } from "./store.ts";
import { dmPartners, hashToNarrow, narrowToHash, sameNarrow, type Narrow } from "./narrow.ts";
import { pollForever, register } from "./events.ts";
import { Feed, moveSelection, startEditing, toggleStar, view } from "./feed.tsx";
import { Compose, closeCompose, compose, openCompose, replyTo } from "./compose.tsx";
import { narrowTitle, People, ProfileCard, Sidebar } from "./sidebar.tsx";
import { applyTheme, Settings } from "./settings.tsx";
import { Modal, Toasts, toast } from "./ui.tsx";
import { Icon } from "./icons.tsx";

const ui = { sidebarOpen: false, settings: false, profile: null as number | null, help: false };

function go(n: Narrow) {
  const h = narrowToHash(n, n.kind === "stream" || n.kind === "topic" ? streamName(n.streamId) : "");
  if (location.hash !== h) location.hash = h;
  else void openNarrow(n);
}

async function logout() {
  try {
    await fetch("/logout", { method: "POST", headers: { "x-csrftoken": csrfToken(), accept: "application/json" }, credentials: "same-origin" });
  } finally {
    location.assign("/login?logged_out=1");
  }
}

/** Zulip's bulk read endpoints for the narrow on screen (DMs and the rest: the ids we know). */
async function markNarrowRead(n: Narrow) {
  try {
    if (n.kind === "all") await api("POST", "/mark_all_as_read");
    else if (n.kind === "stream") await api("POST", "/mark_stream_as_read", { stream_id: n.streamId });
    else if (n.kind === "topic") await api("POST", "/mark_topic_as_read", { stream_id: n.streamId, topic_name: n.topic });
    else {
      const ids = state.feed.ids.filter((id) => state.unread.has(id));
      if (ids.length) await api("POST", "/messages/flags", { messages: ids, op: "add", flag: "read" });
    }
  } catch (e) {
    toast(`Could not mark as read: ${(e as Error).message}`);
  }
}

function nextUnreadTopic(): Narrow | null {
  const cur = state.feed.narrow;
  const curKey = cur.kind === "topic" ? topicKey(cur.streamId, cur.topic) : "";
  let best: { id: number; key: string } | null = null;
  for (const [id, key] of state.unread) {
    if (!key.startsWith("s:") || key === curKey) continue;
    const sid = Number(key.slice(2, key.indexOf(":", 2)));
    if (state.subs.get(sid)?.is_muted) continue;
    if (!best || id < best.id) best = { id, key };
  }
  if (!best) {
    for (const [id, key] of state.unread) if (key.startsWith("dm:") && (!best || id < best.id)) best = { id, key };
    if (!best) return null;
    const ids = best.key.slice(3).split(",").filter(Boolean).map(Number);
    return { kind: "dm", userIds: ids.length ? ids : [state.me] };
  }
  const m = state.messages.get(best.id);
  const sid = Number(best.key.slice(2, best.key.indexOf(":", 2)));
  const topic = m?.subject ?? [...(state.topics.get(sid)?.keys() ?? [])].find((t) => topicKey(sid, t) === best!.key) ?? "";
  return { kind: "topic", streamId: sid, topic };
}

function onKey(e: KeyboardEvent) {
  const t = e.target as HTMLElement;
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (t.closest("input, textarea, select, dialog, [contenteditable]")) return;
  const selected = view.selectedId !== null ? state.messages.get(view.selectedId) : undefined;
  const handlers: Record<string, () => void> = {
    "/": () => document.getElementById("search")?.focus(),
    c: () => openCompose(state.feed.narrow.kind === "stream" || state.feed.narrow.kind === "topic" ? { kind: "stream", streamId: state.feed.narrow.streamId } : { kind: "stream", streamId: null }),
    x: () => openCompose({ kind: "dm", userIds: state.feed.narrow.kind === "dm" ? state.feed.narrow.userIds : [] }),
    r: () => selected && replyTo(selected),
    Enter: () => selected && replyTo(selected),
    j: () => moveSelection(1),
    k: () => moveSelection(-1),
    ArrowDown: () => moveSelection(1),
    ArrowUp: () => moveSelection(-1),
    End: () => moveSelection(1e9),
    Home: () => moveSelection(-1e9),
    n: () => {
      const next = nextUnreadTopic();
      if (next) go(next);
      else toast("No more unread topics.", "info");
    },
    s: () => selected && go(selected.type === "stream" ? { kind: "topic", streamId: selected.stream_id!, topic: selected.subject } : { kind: "dm", userIds: dmPartners(selected, state.me).length ? dmPartners(selected, state.me) : [state.me] }),
    "*": () => selected && toggleStar(selected),
    e: () => selected && selected.sender_id === state.me && startEditing(selected.id),
    "?": () => { ui.help = true; changed(); },
    Escape: () => {
      if (ui.sidebarOpen) {
        ui.sidebarOpen = false;
        changed();
      } else if (compose.open) closeCompose();
      else if (!sameNarrow(state.feed.narrow, { kind: "all" })) go({ kind: "all" });
    },
  };
  const h = handlers[e.key];
  if (!h) return;
  e.preventDefault();
  h();
}

function Shortcuts() {
  const rows: [string, string][] = [["r / Enter", "Reply to the selected message"], ["c", "New topic"], ["x", "New direct message"], ["j / ↓, k / ↑", "Next / previous message"], ["Home / End", "First / last loaded message"], ["n", "Next unread topic"], ["s", "Narrow to the selected message's conversation"], ["*", "Star the selected message"], ["e", "Edit your selected message"], ["/", "Search"], ["Esc", "Close compose, or back to the combined feed"], ["?", "This list"]];
  return (
    <Modal title="Keyboard shortcuts" onClose={() => { ui.help = false; changed(); }}>
      <table class="table"><tbody>{rows.map(([k, d]) => <tr><th scope="row"><kbd>{k}</kbd></th><td>{d}</td></tr>)}</tbody></table>
    </Modal>
  );
}

/** "X is typing…" for the conversation on screen (a topic or a DM). */
function TypingLine() {
  const n = state.feed.narrow;
  const key = n.kind === "topic" ? topicKey(n.streamId, n.topic) : n.kind === "dm" ? dmKey(n.userIds.filter((id) => id !== state.me)) : null;
  const who = key ? [...(state.typing.get(key) ?? [])].filter((id) => id !== state.me) : [];
  return <p class="typing-line" aria-live="polite">{who.length ? `${who.map(userName).join(", ")} ${who.length === 1 ? "is" : "are"} typing…` : ""}</p>;
}

function Header() {
  const [q, setQ] = useState(state.feed.narrow.kind === "search" ? state.feed.narrow.q : "");
  return (
    <header class="topbar">
      <button type="button" class="icon-btn menu-btn" aria-label="Toggle sidebar" aria-expanded={String(ui.sidebarOpen)} aria-controls="sidebar" onClick={() => { ui.sidebarOpen = !ui.sidebarOpen; changed(); }}><Icon name="menu" /></button>
      <a class="brand" href="#feed">{state.realmName}</a>
      <form class="search" role="search" onSubmit={(e: Event) => {
        e.preventDefault();
        if (!q.trim()) return;
        go({ kind: "search", q: q.trim() });
        (document.getElementById("search") as HTMLInputElement | null)?.blur(); // shortcuts work on the results at once
      }}>
        <label class="sr-only" for="search">Search messages</label>
        <input id="search" type="search" placeholder="Search" value={q} onInput={(e: Event) => setQ((e.target as HTMLInputElement).value)}
          onKeyDown={(e: KeyboardEvent) => { if (e.key === "Escape") (e.target as HTMLElement).blur(); }} />
      </form>
      <span class={`conn conn-${state.connection}`} role="status">{state.connection === "live" ? "" : state.connection === "connecting" ? "Connecting…" : state.connection === "reconnecting" ? "Reconnecting…" : "Offline: retrying"}</span>
      <button type="button" class="icon-btn help-btn" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => { ui.help = true; changed(); }}>?</button>
      <button type="button" aria-label="Settings" onClick={() => { ui.settings = true; changed(); }}><Icon name="gear" /> <span class="hide-narrow">Settings</span></button>
      <button type="button" onClick={logout}>Log out</button>
    </header>
  );
}

function App() {
  useStore();
  const n = state.feed.narrow;
  return (
    <div class={`layout ${ui.sidebarOpen ? "sidebar-open" : ""}`}>
      <a class="skip" href="#main-feed">Skip to messages</a>
      <Header />
      <Sidebar />
      <main class="center" id="main-feed">
        <div class="narrow-bar">
          <h1>{narrowTitle(n)}</h1>
          {state.unread.size ? <button type="button" class="link-btn" onClick={() => openNarrow(state.feed.narrow, "first_unread")}>Jump to first unread</button> : null}
          <button type="button" class="link-btn" onClick={() => openNarrow(state.feed.narrow, "newest")}>Newest</button>
          {state.unread.size ? <button type="button" class="link-btn" onClick={() => markNarrowRead(n)}>Mark as read</button> : null}
        </div>
        <Feed />
        <TypingLine />
        <Compose />
      </main>
      <People onProfile={(id) => { ui.profile = id; changed(); }} />
      {ui.sidebarOpen ? <div class="scrim" onClick={() => { ui.sidebarOpen = false; changed(); }} aria-hidden="true"></div> : null}
      {ui.settings ? <Settings onClose={() => { ui.settings = false; changed(); }} /> : null}
      {ui.profile !== null ? (
        <Modal title="Profile" onClose={() => { ui.profile = null; changed(); }}>
          <ProfileCard userId={ui.profile} onDM={() => { const id = ui.profile!; ui.profile = null; go({ kind: "dm", userIds: [id] }); openCompose({ kind: "dm", userIds: [id] }); }} />
        </Modal>
      ) : null}
      {ui.help ? <Shortcuts /> : null}
      <Toasts />
    </div>
  );
}

// ---- notifications and presence -------------------------------------------------------
let audio: AudioContext | null = null;
function ding() {
  try {
    audio ??= new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.08, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.3);
  } catch {
    /* no audio */
  }
}
function notify(m: Message) {
  const mentioned = m.flags.some((f) => f.includes("mentioned"));
  if (m.type !== "private" && !mentioned) return;
  if (document.hasFocus()) return;
  if (state.settings.enable_sounds !== false) ding();
  if (state.settings.enable_desktop_notifications === false || typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const title = m.type === "private" ? `${m.sender_full_name}` : `${m.sender_full_name} in #${streamName(m.stream_id!)} › ${m.subject}`;
  // the notification shows plain text only: the rendered HTML reduced to its text
  const text = new DOMParser().parseFromString(m.content, "text/html").body.textContent ?? "";
  const note = new Notification(title, { body: text.slice(0, 300), tag: String(m.id) });
  note.onclick = () => {
    window.focus();
    location.hash = m.type === "stream" ? narrowToHash({ kind: "topic", streamId: m.stream_id!, topic: m.subject }, streamName(m.stream_id!)) : narrowToHash({ kind: "dm", userIds: [m.sender_id] });
  };
}

let lastInput = Date.now();
function sendPresence() {
  const active = document.visibilityState === "visible" && Date.now() - lastInput < 5 * 60000;
  api("POST", "/users/me/presence", { status: active ? "active" : "idle", new_user_input: active, slim_presence: true }).then((r) => {
    for (const [k, v] of Object.entries<any>(r.presences ?? {})) {
      const id = Number(k);
      if (Number.isFinite(id)) state.presence.set(id, { active: v.active_timestamp ?? 0, idle: v.idle_timestamp ?? 0 });
    }
    changed();
  }, () => {});
}

async function boot() {
  const root = document.getElementById("app")!;
  try {
    await register();
  } catch (e) {
    root.innerHTML = "";
    const p = document.createElement("p");
    p.className = "loading error";
    p.setAttribute("role", "alert");
    p.textContent = `Could not load the app: ${(e as Error).message}. Reload to try again.`;
    root.appendChild(p);
    return;
  }
  applyTheme();
  root.className = "";
  root.innerHTML = "";
  render(<App />, root);
  setNotifier(notify);
  const follow = () => {
    const n = hashToNarrow(location.hash);
    ui.sidebarOpen = false;
    if (!sameNarrow(n, state.feed.narrow) || state.feed.ids.length === 0) {
      const near = /\/near\/(\d+)/.exec(location.hash);
      void openNarrow(n, near ? Number(near[1]) : "first_unread");
    }
    document.title = `${narrowTitle(n)} · ${state.realmName}`;
  };
  window.addEventListener("hashchange", follow);
  state.feed.narrow = { kind: "search", q: "\u0000" }; // forces the first load
  follow();
  document.addEventListener("keydown", onKey);
  addEventListener("hearth:profile", (e) => {
    ui.profile = (e as CustomEvent<number>).detail;
    changed();
  });
  for (const ev of ["keydown", "mousedown", "touchstart"]) document.addEventListener(ev, () => (lastInput = Date.now()), { passive: true });
  sendPresence();
  setInterval(sendPresence, 60000);
  void pollForever(() => toast("Reconnected: the view was refreshed.", "info"));
  // expose for tests and debugging
  (window as unknown as { hearth: unknown }).hearth = { state, userName };
}

void boot();
