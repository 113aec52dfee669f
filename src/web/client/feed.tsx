/** @jsxImportSource hono/jsx/dom */
// The message feed: a window of at most MAX_ROWS rows over the narrow's loaded messages
// (which may be tens of thousands), grouped under recipient bars. Scrolling near an
// edge slides the window, then fetches more from the server; the row under the reader's
// eyes keeps its position whatever is added above it.
import { memo, useEffect, useLayoutEffect, useRef, useState } from "hono/jsx/dom";
import { api } from "./api.ts";
import { changed, loadMore, state, streamName, userName, type Message } from "./store.ts";
import { dmPartners, narrowToHash } from "./narrow.ts";
import { Avatar, emojiChar, EMOJI, formatDate, formatTime, Modal, toast } from "./ui.tsx";
import { openCompose, quoteMessage } from "./compose.tsx";
import { Icon } from "./icons.tsx";

export const MAX_ROWS = 200;
const STEP = 60;
const EDGE_PX = 400;

export const view = { start: 0, end: 0, selectedId: null as number | null, atBottom: true, feedKey: "", shownLen: 0, firstId: null as number | null };

/** Moves the window on purpose (the render keeps it on firstId otherwise). */
function setWindow(start: number, end: number) {
  view.start = start;
  view.end = end;
  view.firstId = state.feed.ids[start] ?? null;
}

export function selectMessage(id: number | null, scroll = true) {
  view.selectedId = id;
  changed();
  if (scroll && id !== null) requestAnimationFrame(() => document.getElementById(`msg-${id}`)?.scrollIntoView({ block: "nearest" }));
}

/** Moves the selection by `delta` rows (j/k/arrows), sliding the window when needed. */
export function moveSelection(delta: number) {
  const ids = state.feed.ids;
  if (!ids.length) return;
  let i = view.selectedId === null ? ids.length - 1 : ids.indexOf(view.selectedId);
  i = Math.max(0, Math.min(ids.length - 1, (i < 0 ? ids.length - 1 : i) + delta));
  if (i < view.start) setWindow(Math.max(0, i - STEP), Math.min(view.end, Math.max(0, i - STEP) + MAX_ROWS));
  if (i >= view.end) setWindow(Math.max(view.start, Math.min(ids.length, i + STEP) - MAX_ROWS), Math.min(ids.length, i + STEP));
  selectMessage(ids[i]!);
  if (i === 0) void loadMore("older");
  if (i === ids.length - 1) void loadMore("newer");
}

// ---- reading --------------------------------------------------------------------------
// Messages are read when seen in a focused window (Zulip's rule). Focus is tracked by
// events rather than document.hasFocus(), which headless and embedded browsers misreport.
let windowFocused = true;
addEventListener("blur", () => (windowFocused = false));
addEventListener("focus", () => {
  windowFocused = true;
  changed(); // re-observe: what is on screen now counts as seen
});
const pendingRead = new Set<number>();
let readTimer: ReturnType<typeof setTimeout> | undefined;
export function markRead(ids: number[]) {
  for (const id of ids) {
    if (!state.unread.has(id)) continue;
    pendingRead.add(id);
    state.unread.delete(id);
    state.unreadMentions.delete(id);
    const m = state.messages.get(id);
    if (m && !m.flags.includes("read")) state.messages.set(id, { ...m, flags: [...m.flags, "read"] });
  }
  changed();
  clearTimeout(readTimer);
  const flushRead = () => {
    const batch = [...pendingRead];
    pendingRead.clear();
    if (!batch.length) return;
    api("POST", "/messages/flags", { messages: batch, op: "add", flag: "read" }).catch((e) => {
      // offline for a moment (a restart): keep them and try again; anything else is shown
      if (e.code === "NETWORK" || e.status >= 500) {
        for (const id of batch) pendingRead.add(id);
        readTimer = setTimeout(flushRead, 5000);
      } else toast(`Could not mark messages as read: ${e.message}`);
    });
  };
  readTimer = setTimeout(flushRead, 400);
}

// ---- actions --------------------------------------------------------------------------
export async function toggleStar(m: Message) {
  const starred = m.flags.includes("starred");
  try {
    await api("POST", "/messages/flags", { messages: [m.id], op: starred ? "remove" : "add", flag: "starred" });
  } catch (e) {
    toast(`Could not ${starred ? "unstar" : "star"}: ${(e as Error).message}`);
  }
}

export async function toggleReaction(m: Message, name: string, code?: string, type = "unicode_emoji") {
  const mine = m.reactions.some((r) => r.user_id === state.me && (code ? r.emoji_code === code : r.emoji_name === name));
  try {
    await api(mine ? "DELETE" : "POST", `/messages/${m.id}/reactions`, { emoji_name: name, ...(code ? { emoji_code: code, reaction_type: type } : {}) });
  } catch (e) {
    toast(`Could not react: ${(e as Error).message}`);
  }
}

export function messageLink(m: Message): string {
  const base = m.type === "stream"
    ? narrowToHash({ kind: "topic", streamId: m.stream_id!, topic: m.subject }, streamName(m.stream_id!))
    : narrowToHash({ kind: "dm", userIds: dmPartners(m, state.me) });
  return `${location.origin}/${base}/near/${m.id}`;
}

async function rawContent(id: number): Promise<string> {
  const r = await api("GET", `/messages/${id}`, { apply_markdown: false });
  return r.raw_content ?? r.message?.content ?? "";
}

const canEdit = (m: Message) => m.sender_id === state.me;
const canDelete = (m: Message) => m.sender_id === state.me || state.isAdmin;

// ---- rows -----------------------------------------------------------------------------
function Reactions(props: { m: Message }) {
  const groups = new Map<string, { name: string; code: string; type: string; users: number[] }>();
  for (const r of props.m.reactions) {
    const k = `${r.reaction_type}:${r.emoji_code}`;
    const g = groups.get(k) ?? { name: r.emoji_name, code: r.emoji_code, type: r.reaction_type, users: [] };
    g.users.push(r.user_id);
    groups.set(k, g);
  }
  if (!groups.size) return null;
  return (
    <div class="reactions">
      {[...groups.values()].map((g) => {
        const mine = g.users.includes(state.me);
        const custom = g.type !== "unicode_emoji" ? state.realmEmoji[g.code] : undefined;
        return (
          <button type="button" class={`reaction ${mine ? "mine" : ""}`} aria-pressed={String(mine)}
            title={`${g.users.map(userName).join(", ")} reacted with :${g.name}:`}
            aria-label={`${g.name}: ${g.users.length} ${g.users.length === 1 ? "reaction" : "reactions"}${mine ? ", including yours" : ""}`}
            onClick={() => toggleReaction(props.m, g.name, g.code, g.type)}>
            {custom ? <img src={custom.source_url} alt="" class="emoji-img" /> : <span aria-hidden="true">{emojiChar(g.code)}</span>} {g.users.length}
          </button>
        );
      })}
    </div>
  );
}

function EmojiPicker(props: { onPick: (name: string, code?: string, type?: string) => void; onClose: () => void }) {
  const [q, setQ] = useState("");
  const custom = Object.entries(state.realmEmoji).filter(([, e]) => !e.deactivated);
  const list = EMOJI.filter(([n]) => n.includes(q.toLowerCase()));
  return (
    <div class="emoji-picker" role="dialog" aria-label="Add a reaction" onKeyDown={(e: KeyboardEvent) => e.key === "Escape" && (e.stopPropagation(), props.onClose())}>
      <input type="search" aria-label="Search emoji" placeholder="Search emoji" value={q} autofocus onInput={(e: Event) => setQ((e.target as HTMLInputElement).value)} />
      <div class="emoji-grid">
        {list.map(([n, c]) => <button type="button" title={`:${n}:`} aria-label={n} onClick={() => props.onPick(n, c, "unicode_emoji")}>{emojiChar(c)}</button>)}
        {custom.filter(([, e]) => e.name.includes(q.toLowerCase())).map(([id, e]) => (
          <button type="button" title={`:${e.name}:`} aria-label={e.name} onClick={() => props.onPick(e.name, id, "realm_emoji")}><img src={e.source_url} alt="" class="emoji-img" /></button>
        ))}
      </div>
    </div>
  );
}

function EditForm(props: { m: Message; onDone: () => void }) {
  const [content, setContent] = useState<string | null>(null);
  const [topic, setTopic] = useState(props.m.subject);
  const [mode, setMode] = useState("change_one");
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    rawContent(props.m.id).then(setContent, (e) => {
      toast(`Cannot edit: ${e.message}`);
      props.onDone();
    });
  }, []);
  if (content === null) return <p class="muted">Loading…</p>;
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      const params: Record<string, unknown> = { content };
      if (props.m.type === "stream" && topic !== props.m.subject) Object.assign(params, { topic, propagate_mode: mode });
      await api("PATCH", `/messages/${props.m.id}`, params);
      props.onDone();
    } catch (err) {
      toast(`Could not save: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="edit-form" onSubmit={save} onKeyDown={(e: KeyboardEvent) => e.key === "Escape" && (e.stopPropagation(), props.onDone())}>
      {props.m.type === "stream" ? (
        <div class="edit-topic">
          <label>Topic <input value={topic} maxlength={60} onInput={(e: Event) => setTopic((e.target as HTMLInputElement).value)} /></label>
          {topic !== props.m.subject ? (
            <label>Move <select value={mode} onChange={(e: Event) => setMode((e.target as HTMLSelectElement).value)}>
              <option value="change_one">only this message</option>
              <option value="change_later">this and later messages</option>
              <option value="change_all">all messages in the topic</option>
            </select></label>
          ) : null}
        </div>
      ) : null}
      <label class="sr-only" for={`edit-${props.m.id}`}>Message</label>
      <textarea id={`edit-${props.m.id}`} value={content} rows={4} autofocus onInput={(e: Event) => setContent((e.target as HTMLTextAreaElement).value)} />
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>Save</button>
        <button type="button" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}

interface RowProps {
  m: Message;
  showSender: boolean;
  selected: boolean;
  /** the action toolbar is built only for the selected and the hovered row (DOM cost) */
  tools: boolean;
  /** in search results, show the server's highlighted match_content */
  search: boolean;
  onHover: (id: number) => void;
  editing: boolean;
  picker: boolean;
  now: number;
}

const Row = memo(function Row(p: RowProps) {
  const m = p.m;
  const unread = !m.flags.includes("read");
  const starred = m.flags.includes("starred");
  const mentioned = m.flags.some((f) => f.includes("mentioned"));
  return (
    <div id={`msg-${m.id}`} data-id={m.id} role="article" tabindex={p.selected ? 0 : -1}
      aria-label={`${m.sender_full_name}, ${formatTime(m.timestamp)}`}
      class={`msg ${p.showSender ? "with-sender" : ""} ${p.selected ? "selected" : ""} ${unread ? "unread" : ""} ${mentioned ? "mentioned" : ""}`}
      onMouseEnter={() => p.onHover(m.id)}
      onFocusIn={() => p.onHover(m.id)}
      onClick={(e: MouseEvent) => {
        if ((e.target as HTMLElement).closest("a,button,input,textarea,select")) return;
        selectMessage(m.id, false);
      }}>
      <div class="msg-gutter">{p.showSender ? <Avatar userId={m.sender_id} url={m.avatar_url} /> : null}</div>
      <div class="msg-main">
        {p.showSender ? (
          <div class="msg-head">
            <button type="button" class="sender link-btn" onClick={() => dispatchEvent(new CustomEvent("hearth:profile", { detail: m.sender_id }))}>{m.sender_full_name}</button>
            <time dateTime={new Date(m.timestamp * 1000).toISOString()}>{formatTime(m.timestamp)}</time>
          </div>
        ) : <time class="msg-time-side" dateTime={new Date(m.timestamp * 1000).toISOString()}>{formatTime(m.timestamp)}</time>}
        {p.editing ? <EditForm m={m} onDone={() => { editingId = null; changed(); }} /> : (
          <div class="msg-content rendered" dangerouslySetInnerHTML={{ __html: (p.search && m.match_content) || m.content }} />
        )}
        {m.last_edit_timestamp ? <button type="button" class="edited link-btn" onClick={() => showHistory(m)}>(edited)</button> : null}
        <Reactions m={m} />
        {p.picker ? <EmojiPicker onClose={() => { pickerId = null; changed(); }} onPick={(n, c, t) => { pickerId = null; changed(); void toggleReaction(m, n, c, t); }} /> : null}
      </div>
      {p.tools || p.picker ? <div class="msg-actions" role="toolbar" aria-label="Message actions">
        <button type="button" class="icon-btn" aria-label="Add reaction" title="Add reaction" onClick={() => { pickerId = pickerId === m.id ? null : m.id; changed(); }}><Icon name="smile" /></button>
        <button type="button" class="icon-btn" aria-label={starred ? "Unstar" : "Star"} aria-pressed={String(starred)} title={starred ? "Unstar" : "Star"} onClick={() => toggleStar(m)}><Icon name="star" filled={starred} /></button>
        <button type="button" class="icon-btn" aria-label="Quote and reply" title="Quote and reply" onClick={() => quoteMessage(m)}><Icon name="quote" /></button>
        {canEdit(m) ? <button type="button" class="icon-btn" aria-label="Edit" title="Edit" onClick={() => { editingId = m.id; changed(); }}><Icon name="edit" /></button> : null}
        <button type="button" class="icon-btn" aria-label="Copy link" title="Copy link" onClick={() => navigator.clipboard?.writeText(messageLink(m)).then(() => toast("Link copied", "info"), () => toast(messageLink(m), "info"))}><Icon name="link" /></button>
        {canDelete(m) ? <button type="button" class="icon-btn danger" aria-label="Delete" title="Delete" onClick={() => deleteMessage(m)}><Icon name="trash" /></button> : null}
      </div> : <div class="msg-actions" />}
    </div>
  );
}, (a: RowProps, b: RowProps) => a.m === b.m && a.showSender === b.showSender && a.selected === b.selected && a.tools === b.tools && a.search === b.search && a.editing === b.editing && a.picker === b.picker);

export let editingId: number | null = null;
export function startEditing(id: number) {
  editingId = id;
  changed();
}
let pickerId: number | null = null;

async function deleteMessage(m: Message) {
  if (!confirm("Delete this message? This cannot be undone.")) return;
  try {
    await api("DELETE", `/messages/${m.id}`);
  } catch (e) {
    toast(`Could not delete: ${(e as Error).message}`);
  }
}

let historyFor: { m: Message; entries: any[] | null } | null = null;
async function showHistory(m: Message) {
  historyFor = { m, entries: null };
  changed();
  try {
    const r = await api("GET", `/messages/${m.id}/history`);
    if (historyFor?.m.id === m.id) historyFor.entries = r.message_history;
  } catch (e) {
    toast(`Could not load the edit history: ${(e as Error).message}`);
    historyFor = null;
  }
  changed();
}

function HistoryModal() {
  if (!historyFor) return null;
  const close = () => { historyFor = null; changed(); };
  return (
    <Modal title="Message edit history" onClose={close}>
      {historyFor.entries === null ? <p>Loading…</p> : (
        <ol class="history">
          {historyFor.entries.map((h: any) => (
            <li>
              <p class="muted">{formatDate(h.timestamp)} {formatTime(h.timestamp)} · {userName(h.user_id ?? historyFor!.m.sender_id)}{h.prev_topic !== undefined ? ` · topic was “${h.prev_topic}”` : ""}</p>
              {h.rendered_content ? <div class="rendered" dangerouslySetInnerHTML={{ __html: h.rendered_content }} /> : null}
            </li>
          ))}
        </ol>
      )}
    </Modal>
  );
}

function RecipientBar(props: { m: Message }) {
  const m = props.m;
  if (m.type === "stream") {
    const sid = m.stream_id!;
    const color = state.subs.get(sid)?.color;
    return (
      <div class="recipient-bar" style={color ? { "--stream-color": color } : undefined}>
        <a class="rb-stream" href={narrowToHash({ kind: "stream", streamId: sid }, streamName(sid))}>#{streamName(sid)}</a>
        <span aria-hidden="true"> › </span>
        <a class="rb-topic" href={narrowToHash({ kind: "topic", streamId: sid, topic: m.subject }, streamName(sid))}>{m.subject || "(no topic)"}</a>
        <button type="button" class="link-btn rb-reply" onClick={() => openCompose({ kind: "stream", streamId: sid, topic: m.subject })}>Reply</button>
        <span class="rb-date">{formatDate(m.timestamp)}</span>
      </div>
    );
  }
  const partners = dmPartners(m, state.me);
  return (
    <div class="recipient-bar dm">
      <a href={narrowToHash({ kind: "dm", userIds: partners.length ? partners : [state.me] })}>
        {partners.length ? `You and ${partners.map(userName).join(", ")}` : "You (note to self)"}
      </a>
      <button type="button" class="link-btn rb-reply" onClick={() => openCompose({ kind: "dm", userIds: partners.length ? partners : [state.me] })}>Reply</button>
      <span class="rb-date">{formatDate(m.timestamp)}</span>
    </div>
  );
}

function groupKey(m: Message) {
  return `${m.type === "stream" ? `s${m.stream_id}:${m.subject.toLowerCase()}` : `d${dmPartners(m, state.me).join(",")}`}|${new Date(m.timestamp * 1000).toDateString()}`;
}

export function Feed() {
  const ref = useRef<HTMLDivElement>(null);
  const [hoverId, setHoverId] = useState<number | null>(null);
  const keep = useRef<{ id: number; top: number } | null>(null);
  const f = state.feed;
  const ids = f.ids;
  const key = `${narrowToHash(f.narrow)}|${f.loading && ids.length === 0 ? "loading" : "ready"}`;

  // A new narrow: centre the window on the anchor (first unread) or the newest message.
  if (view.feedKey !== key) {
    view.feedKey = key;
    const at = f.anchor !== null && ids.includes(f.anchor) ? ids.indexOf(f.anchor) : ids.length - 1;
    view.start = Math.max(0, at - MAX_ROWS / 2);
    view.end = Math.min(ids.length, view.start + MAX_ROWS);
    view.selectedId = ids[at] ?? null;
    view.atBottom = at >= ids.length - 1;
    view.shownLen = ids.length;
    view.firstId = ids[view.start] ?? null;
    keep.current = null;
    requestAnimationFrame(() => {
      const el = view.selectedId !== null ? document.getElementById(`msg-${view.selectedId}`) : null;
      if (el && !view.atBottom) el.scrollIntoView({ block: "center" });
      else if (ref.current) ref.current.scrollTop = ref.current.scrollHeight;
    });
  }
  // Did the window reach the newest message before this change?
  const showedNewest = view.end >= view.shownLen;
  // Messages added before the window (an older page) or removed from it shift the
  // indices: keep the window on the same first message.
  if (view.firstId !== null && ids[view.start] !== view.firstId) {
    const i = ids.indexOf(view.firstId);
    if (i >= 0) {
      const len = view.end - view.start;
      view.start = i;
      view.end = Math.min(ids.length, i + len);
    }
  }
  // New messages at the end: when the window showed the newest message, it grows to show
  // the new ones too (and only slides forward when the reader is at the bottom).
  if (showedNewest && view.end < ids.length) {
    if (view.atBottom) {
      view.end = ids.length;
      view.start = Math.max(view.start, view.end - MAX_ROWS);
    } else {
      // reading older messages: the window stays bounded; scrolling down slides onto the new ones
      view.end = Math.min(ids.length, Math.max(view.end, view.start + MAX_ROWS));
    }
  }
  view.shownLen = ids.length;
  view.end = Math.min(view.end, ids.length);
  view.start = Math.min(view.start, Math.max(0, view.end - 1));
  view.firstId = ids[view.start] ?? null;

  const slide = (dir: "up" | "down") => {
    const el = ref.current;
    if (!el) return;
    const all = state.feed.ids;
    // remember the first visible row to keep it still after the window moves
    const rows = el.querySelectorAll<HTMLElement>(".msg");
    const top = el.getBoundingClientRect().top;
    for (const r of rows) {
      const rt = r.getBoundingClientRect();
      if (rt.bottom > top) {
        keep.current = { id: Number(r.dataset.id), top: rt.top - top };
        break;
      }
    }
    if (dir === "up") {
      const start = Math.max(0, view.start - STEP);
      setWindow(start, Math.min(view.end, start + MAX_ROWS));
    } else {
      const end = Math.min(all.length, view.end + STEP);
      setWindow(Math.max(view.start, end - MAX_ROWS), end);
    }
    changed();
  };

  // Reads the store, not this render's variables: it also runs after a page has loaded.
  const onScroll = () => {
    const el = ref.current;
    if (!el) return;
    const feed = state.feed;
    view.atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 40 && view.end >= feed.ids.length;
    if (el.scrollTop < EDGE_PX) {
      if (view.start > 0) slide("up");
      // the page lands before the window, which stays on its messages (firstId above);
      // then the window slides onto it as for any other scroll
      else if (!feed.foundOldest && !feed.loading) void loadMore("older").then(() => requestAnimationFrame(onScroll));
    } else if (el.scrollHeight - el.scrollTop - el.clientHeight < EDGE_PX) {
      if (view.end < feed.ids.length) slide("down");
      else if (!feed.foundNewest && !feed.loading) void loadMore("newer").then(() => requestAnimationFrame(onScroll));
    }
  };

  useLayoutEffect(() => {
    const el = ref.current;
    const k = keep.current;
    if (!el || !k) return;
    keep.current = null;
    const row = document.getElementById(`msg-${k.id}`);
    if (row) el.scrollTop += row.getBoundingClientRect().top - el.getBoundingClientRect().top - k.top;
  });

  // Follow the bottom when new rows arrive. A feed too short to scroll is at its bottom.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.scrollHeight <= el.clientHeight + 40 && view.end >= ids.length) view.atBottom = true;
    if (view.atBottom && !keep.current) el.scrollTop = el.scrollHeight;
  });

  // Messages count as read once they have been on screen while the window has focus.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (!windowFocused || document.visibilityState !== "visible") return;
      const seen = entries.filter((e) => e.isIntersecting).map((e) => Number((e.target as HTMLElement).dataset.id));
      if (seen.length) markRead(seen);
    }, { root: el, threshold: 0.5 });
    el.querySelectorAll(".msg.unread").forEach((n) => io.observe(n));
    return () => io.disconnect();
  });

  const rows: any[] = [];
  let prev: Message | null = null;
  for (let i = view.start; i < view.end; i++) {
    const m = state.messages.get(ids[i]!);
    if (!m) continue;
    const newGroup = !prev || groupKey(prev) !== groupKey(m);
    if (newGroup) rows.push(<RecipientBar m={m} key={`rb-${m.id}`} />);
    const showSender = newGroup || prev!.sender_id !== m.sender_id || m.timestamp - prev!.timestamp > 600;
    rows.push(<Row key={m.id} m={m} showSender={showSender} selected={view.selectedId === m.id} tools={view.selectedId === m.id || hoverId === m.id} search={f.narrow.kind === "search"} onHover={setHoverId} editing={editingId === m.id} picker={pickerId === m.id} now={0} />);
    prev = m;
  }

  return (
    <div class="feed" ref={ref} onScroll={onScroll} role="region" aria-busy={String(f.loading)} aria-label="Messages" tabindex={-1}>
      {f.foundOldest && ids.length > 0 && view.start === 0 ? <p class="feed-edge">Beginning of the conversation</p> : null}
      {f.loading && (view.start === 0 || ids.length === 0) ? <p class="feed-edge" role="status">Loading messages…</p> : null}
      {f.error ? <p class="feed-edge error" role="alert">Could not load messages: {f.error}</p> : null}
      {!f.loading && !f.error && ids.length === 0 ? <p class="feed-empty">{f.narrow.kind === "search" ? "No messages match your search." : "No messages here yet. Start the conversation!"}</p> : null}
      {rows}
      <HistoryModal />
    </div>
  );
}
