/** @jsxImportSource hono/jsx/dom */
// Compose: a stream + topic or DM recipients, Markdown with a server-rendered preview,
// @-mention / #-stream / :emoji: completion, drafts in localStorage, uploads (button,
// drag-and-drop, paste) with progress, and typing notifications.
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { api, upload, type UploadHandle } from "./api.ts";
import { changed, dmKey, state, streamName, topicKey, userName, type Message } from "./store.ts";
import { dmPartners } from "./narrow.ts";
import { EMOJI, emojiChar, toast } from "./ui.tsx";
import { Icon } from "./icons.tsx";

export const MAX_MESSAGE_LENGTH = 10000;

interface Upload {
  id: number;
  name: string;
  progress: number;
  handle: UploadHandle;
}
export const compose = {
  open: false,
  kind: "stream" as "stream" | "dm",
  streamId: null as number | null,
  topic: "",
  userIds: [] as number[],
  content: "",
  preview: null as string | null,
  sending: false,
  uploads: [] as Upload[],
  focusNonce: 0,
};

// ---- drafts ---------------------------------------------------------------------------
const DRAFTS = "hearth.drafts";
function drafts(): Record<string, { content: string; ts: number }> {
  try {
    return JSON.parse(localStorage.getItem(DRAFTS) ?? "{}");
  } catch {
    return {};
  }
}
function draftKey() {
  return compose.kind === "stream" ? (compose.streamId ? topicKey(compose.streamId, compose.topic) : "") : dmKey(compose.userIds);
}
let draftTimer: ReturnType<typeof setTimeout> | undefined;
function saveDraft() {
  clearTimeout(draftTimer);
  draftTimer = setTimeout(() => {
    const k = draftKey();
    if (!k) return;
    const d = drafts();
    if (compose.content.trim()) d[k] = { content: compose.content, ts: Date.now() };
    else delete d[k];
    try {
      localStorage.setItem(DRAFTS, JSON.stringify(d));
    } catch {
      /* storage full or disabled: drafts are a convenience */
    }
  }, 300);
}
function clearDraft() {
  const d = drafts();
  delete d[draftKey()];
  try {
    localStorage.setItem(DRAFTS, JSON.stringify(d));
  } catch {
    /* ignore */
  }
}

/** The recipient changed: an empty box picks up that conversation's draft. */
function recipientChanged() {
  if (!compose.content.trim()) compose.content = drafts()[draftKey()]?.content ?? "";
  changed();
}

export function openCompose(opts: { kind: "stream"; streamId: number | null; topic?: string; content?: string } | { kind: "dm"; userIds: number[]; content?: string }) {
  compose.open = true;
  compose.kind = opts.kind;
  compose.preview = null;
  if (opts.kind === "stream") {
    compose.streamId = opts.streamId;
    compose.topic = opts.topic ?? "";
  } else {
    compose.userIds = opts.userIds.filter((id) => id !== state.me || opts.userIds.length === 1);
  }
  compose.content = opts.content ?? drafts()[draftKey()]?.content ?? "";
  compose.focusNonce++;
  changed();
}

export function closeCompose() {
  saveDraft();
  compose.open = false;
  compose.preview = null;
  stopTyping();
  changed();
  (document.querySelector(".feed") as HTMLElement | null)?.focus();
}

/** Reply to the conversation of a message (r / Enter). */
export function replyTo(m: Message) {
  if (m.type === "stream") openCompose({ kind: "stream", streamId: m.stream_id!, topic: m.subject });
  else openCompose({ kind: "dm", userIds: dmPartners(m, state.me).length ? dmPartners(m, state.me) : [state.me] });
}

export async function quoteMessage(m: Message) {
  try {
    const r = await api("GET", `/messages/${m.id}`, { apply_markdown: false });
    const raw: string = r.raw_content ?? r.message?.content ?? "";
    replyTo(m);
    const quote = `@_**${m.sender_full_name}|${m.sender_id}** said:\n\`\`\`quote\n${raw}\n\`\`\`\n`;
    compose.content = compose.content ? `${compose.content}\n${quote}` : quote;
    compose.focusNonce++;
    changed();
  } catch (e) {
    toast(`Could not quote: ${(e as Error).message}`);
  }
}

// ---- typing ---------------------------------------------------------------------------
let typingSentAt = 0;
let typingStop: ReturnType<typeof setTimeout> | undefined;
function typingParams() {
  if (compose.kind === "stream") return compose.streamId && compose.topic ? { type: "stream", stream_id: compose.streamId, topic: compose.topic } : null;
  return compose.userIds.length ? { type: "direct", to: compose.userIds } : null;
}
function noteTyping() {
  const p = typingParams();
  if (!p) return;
  const now = Date.now();
  // Zulip's cadence: renew "start" every 10 s while typing, "stop" after 5 s idle.
  if (now - typingSentAt > 10000) {
    typingSentAt = now;
    api("POST", "/typing", { op: "start", ...p }).catch(() => {});
  }
  clearTimeout(typingStop);
  typingStop = setTimeout(stopTyping, 5000);
}
function stopTyping() {
  clearTimeout(typingStop);
  if (!typingSentAt) return;
  typingSentAt = 0;
  const p = typingParams();
  if (p) api("POST", "/typing", { op: "stop", ...p }).catch(() => {});
}

// ---- sending --------------------------------------------------------------------------
export async function send() {
  const content = compose.content.trim();
  if (!content) return toast("Write a message first.");
  if (content.length > MAX_MESSAGE_LENGTH) return toast(`Message is too long: ${content.length} characters (at most ${MAX_MESSAGE_LENGTH}).`);
  if (compose.uploads.length) return toast("Wait for the uploads to finish.");
  let params: Record<string, unknown>;
  if (compose.kind === "stream") {
    if (!compose.streamId) return toast("Choose a channel.");
    params = { type: "stream", to: compose.streamId, topic: compose.topic.trim(), content };
  } else {
    if (!compose.userIds.length) return toast("Choose who to send the message to.");
    params = { type: "direct", to: compose.userIds, content };
  }
  compose.sending = true;
  changed();
  try {
    await api("POST", "/messages", params);
    stopTyping();
    clearDraft();
    compose.content = "";
    compose.preview = null;
  } catch (e) {
    toast(`Message not sent: ${(e as Error).message}`);
  } finally {
    compose.sending = false;
    compose.focusNonce++;
    changed();
  }
}

// ---- uploads --------------------------------------------------------------------------
let uploadSeq = 0;
export function uploadFiles(files: Iterable<File>) {
  const maxMib: number | undefined = state.realm.max_file_upload_size_mib;
  for (const file of files) {
    if (maxMib && file.size > maxMib * 1024 * 1024) {
      toast(`“${file.name}” is ${(file.size / 1048576).toFixed(1)} MB; this server accepts files up to ${maxMib} MB.`);
      continue;
    }
    const u: Upload = { id: ++uploadSeq, name: file.name, progress: 0, handle: null as unknown as UploadHandle };
    u.handle = upload(file, (p) => {
      u.progress = p;
      changed();
    });
    compose.uploads.push(u);
    changed();
    u.handle.promise.then(
      (r) => insertText(`[${r.filename.replace(/[[\]]/g, "")}](${r.url})`),
      (e) => toast(`“${file.name}” was not uploaded: ${e.message}`),
    ).finally(() => {
      compose.uploads = compose.uploads.filter((x) => x !== u);
      changed();
    });
  }
}

function insertText(text: string) {
  const ta = document.getElementById("compose-content") as HTMLTextAreaElement | null;
  const at = ta ? ta.selectionStart : compose.content.length;
  const before = compose.content.slice(0, at);
  const sep = before && !before.endsWith("\n") && !before.endsWith(" ") ? " " : "";
  compose.content = before + sep + text + compose.content.slice(at);
  saveDraft();
  changed();
}

// ---- completion -----------------------------------------------------------------------
interface Suggestion { label: string; insert: string; detail?: string }
function suggestionsFor(text: string): { start: number; items: Suggestion[] } | null {
  const m = /(^|[\s(])([@#:])([^\s@#:*]{0,30})$/.exec(text);
  if (!m) return null;
  const start = text.length - m[3]!.length - 1;
  const q = m[3]!.toLowerCase();
  if (m[2] === "@") {
    const items = [...state.users.values()]
      .filter((u) => u.is_active !== false && (u.full_name.toLowerCase().includes(q) || u.email.toLowerCase().startsWith(q)))
      .slice(0, 8)
      .map((u) => ({ label: u.full_name, detail: u.email, insert: `@**${u.full_name}** ` }));
    for (const w of ["all", "topic"]) if (w.startsWith(q) && items.length < 8) items.push({ label: `@${w}`, detail: "notify everyone", insert: `@**${w}** ` });
    return { start, items };
  }
  if (m[2] === "#") {
    return { start, items: [...state.subs.values()].filter((s) => s.name.toLowerCase().includes(q)).slice(0, 8).map((s) => ({ label: `#${s.name}`, insert: `#**${s.name}** ` })) };
  }
  if (q.length < 1) return null;
  const custom = Object.values(state.realmEmoji).filter((e) => !e.deactivated && e.name.includes(q)).map((e) => ({ label: `:${e.name}:`, insert: `:${e.name}: ` }));
  return { start, items: [...EMOJI.filter(([n]) => n.includes(q)).map(([n, c]) => ({ label: `${emojiChar(c)} :${n}:`, insert: `:${n}: ` })), ...custom].slice(0, 8) };
}

function RecipientFields() {
  const [pending, setPending] = useState("");
  if (compose.kind === "stream") {
    const topics = compose.streamId ? [...(state.topics.get(compose.streamId)?.keys() ?? [])] : [];
    return (
      <div class="compose-recipient">
        <label class="sr-only" for="compose-stream">Channel</label>
        <select id="compose-stream" value={String(compose.streamId ?? "")} onChange={(e: Event) => { compose.streamId = Number((e.target as HTMLSelectElement).value) || null; recipientChanged(); }}>
          <option value="">Choose a channel…</option>
          {[...state.subs.values()].sort((a, b) => a.name.localeCompare(b.name)).map((s) => <option value={String(s.stream_id)}>#{s.name}</option>)}
        </select>
        <span aria-hidden="true">›</span>
        <label class="sr-only" for="compose-topic">Topic</label>
        <input id="compose-topic" list="compose-topics" placeholder="Topic" maxlength={60} value={compose.topic}
          onInput={(e: Event) => { compose.topic = (e.target as HTMLInputElement).value; recipientChanged(); }} />
        <datalist id="compose-topics">{topics.map((t) => <option value={t} />)}</datalist>
      </div>
    );
  }
  const add = (v: string) => {
    const needle = v.trim().toLowerCase();
    if (!needle) return;
    const u = [...state.users.values()].find((x) => x.email.toLowerCase() === needle || x.full_name.toLowerCase() === needle);
    if (!u) return toast(`No user “${v.trim()}”.`);
    if (!compose.userIds.includes(u.user_id)) compose.userIds = [...compose.userIds, u.user_id];
    setPending("");
    recipientChanged();
  };
  return (
    <div class="compose-recipient">
      <span class="muted">To:</span>
      <ul class="chips" aria-label="Recipients">
        {compose.userIds.map((id) => (
          <li class="chip">{userName(id)} <button type="button" class="icon-btn" aria-label={`Remove ${userName(id)}`} onClick={() => { compose.userIds = compose.userIds.filter((x) => x !== id); changed(); }}>✕</button></li>
        ))}
      </ul>
      <label class="sr-only" for="compose-to">Add a recipient</label>
      <input id="compose-to" list="compose-people" placeholder="Add a person (name or email)" value={pending}
        onInput={(e: Event) => {
          const v = (e.target as HTMLInputElement).value;
          setPending(v);
          if ([...state.users.values()].some((u) => u.email.toLowerCase() === v.toLowerCase())) add(v);
        }}
        onKeyDown={(e: KeyboardEvent) => { if (e.key === "Enter" || e.key === ",") { e.preventDefault(); add(pending); } }} />
      <datalist id="compose-people">
        {[...state.users.values()].filter((u) => u.is_active !== false && u.user_id !== state.me).map((u) => <option value={u.email}>{u.full_name}</option>)}
      </datalist>
    </div>
  );
}

export function Compose() {
  const ta = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const [sugg, setSugg] = useState<{ start: number; items: Suggestion[]; active: number } | null>(null);
  const [dragging, setDragging] = useState(false);
  const nonce = compose.focusNonce;
  useEffect(() => {
    if (compose.open) {
      const el = ta.current;
      if (compose.kind === "stream" && !compose.streamId) document.getElementById("compose-stream")?.focus();
      else if (compose.kind === "stream" && !compose.topic) document.getElementById("compose-topic")?.focus();
      else if (compose.kind === "dm" && !compose.userIds.length) document.getElementById("compose-to")?.focus();
      else el?.focus();
    }
  }, [nonce, compose.open]);

  if (!compose.open) {
    return (
      <div class="compose-closed">
        <button type="button" onClick={() => openCompose(state.feed.narrow.kind === "topic" ? { kind: "stream", streamId: state.feed.narrow.streamId, topic: state.feed.narrow.topic } : state.feed.narrow.kind === "dm" ? { kind: "dm", userIds: state.feed.narrow.userIds } : { kind: "stream", streamId: state.feed.narrow.kind === "stream" ? state.feed.narrow.streamId : null })}>
          Start new conversation <kbd>c</kbd>
        </button>
        <button type="button" onClick={() => openCompose({ kind: "dm", userIds: [] })}>New direct message <kbd>x</kbd></button>
      </div>
    );
  }

  const accept = (s: Suggestion) => {
    const el = ta.current!;
    const at = el.selectionStart;
    const before = compose.content.slice(0, sugg!.start) + s.insert;
    compose.content = before + compose.content.slice(at);
    setSugg(null);
    changed();
    requestAnimationFrame(() => el.setSelectionRange(before.length, before.length));
  };

  const onInput = (e: Event) => {
    const el = e.target as HTMLTextAreaElement;
    compose.content = el.value;
    compose.preview = null;
    const s = suggestionsFor(el.value.slice(0, el.selectionStart));
    setSugg(s && s.items.length ? { ...s, active: 0 } : null);
    saveDraft();
    noteTyping();
    changed();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (sugg) {
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        const n = sugg.items.length;
        setSugg({ ...sugg, active: (sugg.active + (e.key === "ArrowDown" ? 1 : n - 1)) % n });
        return;
      }
      if (e.key === "Enter" || e.key === "Tab") {
        e.preventDefault();
        accept(sugg.items[sugg.active]!);
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        setSugg(null);
        return;
      }
    }
    if (e.key === "Escape") {
      e.preventDefault();
      closeCompose();
      return;
    }
    const enterSends = state.settings.enter_sends === true;
    if (e.key === "Enter" && ((enterSends && !e.shiftKey && !e.ctrlKey && !e.metaKey) || (!enterSends && (e.ctrlKey || e.metaKey)))) {
      e.preventDefault();
      void send();
    }
  };

  const togglePreview = async () => {
    if (compose.preview !== null) {
      compose.preview = null;
      return changed();
    }
    if (!compose.content.trim()) return toast("Nothing to preview.");
    try {
      const r = await api("POST", "/messages/render", { content: compose.content });
      compose.preview = r.rendered;
      changed();
    } catch (err) {
      toast(`Preview failed: ${(err as Error).message}`);
    }
  };

  const typists = [...(state.typing.get(compose.kind === "stream" && compose.streamId ? topicKey(compose.streamId, compose.topic) : dmKey(compose.userIds)) ?? [])];
  const over = compose.content.length > MAX_MESSAGE_LENGTH;
  return (
    <form class={`compose ${dragging ? "dragging" : ""}`} aria-label="Compose a message"
      onSubmit={(e: Event) => { e.preventDefault(); void send(); }}
      onKeyDown={(e: KeyboardEvent) => { if (e.key === "Escape" && !e.defaultPrevented) { e.preventDefault(); closeCompose(); } }}
      onDragOver={(e: DragEvent) => { if (e.dataTransfer?.types.includes("Files")) { e.preventDefault(); setDragging(true); } }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e: DragEvent) => { if (e.dataTransfer?.files.length) { e.preventDefault(); setDragging(false); uploadFiles(e.dataTransfer.files); } }}>
      <div class="compose-top">
        <div class="compose-kind" role="group" aria-label="Message type">
          <button type="button" aria-pressed={String(compose.kind === "stream")} onClick={() => { compose.kind = "stream"; changed(); }}>Channel</button>
          <button type="button" aria-pressed={String(compose.kind === "dm")} onClick={() => { compose.kind = "dm"; changed(); }}>Direct</button>
        </div>
        <RecipientFields />
      </div>
      {compose.preview !== null ? (
        <div class="compose-preview rendered" aria-label="Preview" dangerouslySetInnerHTML={{ __html: compose.preview }} />
      ) : (
        <div class="compose-text">
          <label class="sr-only" for="compose-content">Message</label>
          <textarea id="compose-content" ref={ta} rows={3} value={compose.content} placeholder={compose.kind === "stream" ? `Message #${compose.streamId ? streamName(compose.streamId) : "…"}${compose.topic ? ` > ${compose.topic}` : ""}` : "Direct message"}
            aria-autocomplete="list" aria-controls={sugg ? "compose-suggestions" : undefined} aria-invalid={String(over)}
            aria-activedescendant={sugg ? `sugg-${sugg.active}` : undefined}
            onInput={onInput} onKeyDown={onKeyDown}
            onPaste={(e: ClipboardEvent) => { const files = e.clipboardData?.files; if (files && files.length) { e.preventDefault(); uploadFiles(files); } }} />
          {sugg ? (
            <ul class="suggestions" id="compose-suggestions" role="listbox" aria-label="Suggestions">
              {sugg.items.map((s, i) => (
                <li id={`sugg-${i}`} role="option" aria-selected={String(i === sugg.active)} class={i === sugg.active ? "active" : ""} onMouseDown={(e: Event) => { e.preventDefault(); accept(s); }}>
                  {s.label} {s.detail ? <span class="muted">{s.detail}</span> : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
      {compose.uploads.length ? (
        <ul class="uploads">
          {compose.uploads.map((u) => (
            <li>
              <span>{u.name}</span> <progress max={1} value={u.progress} aria-label={`Uploading ${u.name}`} /> <button type="button" class="link-btn" onClick={() => u.handle.abort()}>Cancel</button>
            </li>
          ))}
        </ul>
      ) : null}
      {over ? <p class="form-error" role="alert">Message is too long ({compose.content.length} of {MAX_MESSAGE_LENGTH} characters).</p> : null}
      <div class="compose-bottom">
        <input type="file" ref={file} multiple hidden onChange={(e: Event) => { const f = (e.target as HTMLInputElement).files; if (f) uploadFiles(f); (e.target as HTMLInputElement).value = ""; }} />
        <button type="button" class="icon-btn" aria-label="Attach files" title="Attach files" onClick={() => file.current?.click()}><Icon name="clip" /></button>
        <button type="button" aria-pressed={String(compose.preview !== null)} onClick={togglePreview}>{compose.preview !== null ? "Edit" : "Preview"}</button>
        <span class="typing" aria-live="polite">{typists.length ? `${typists.map(userName).join(", ")} ${typists.length === 1 ? "is" : "are"} typing…` : ""}</span>
        <span class="hint">{state.settings.enter_sends ? "Enter to send, Shift+Enter for a new line" : "Ctrl+Enter to send"}</span>
        <button type="submit" class="primary" disabled={compose.sending || over}>Send</button>
        <button type="button" class="icon-btn" aria-label="Close compose box" title="Close (Esc)" onClick={closeCompose}><Icon name="close" /></button>
      </div>
    </form>
  );
}
