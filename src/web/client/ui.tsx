/** @jsxImportSource hono/jsx/dom */
// Small shared pieces: time formatting, avatars, emoji, toasts, the modal dialog.
import { useEffect, useRef, useState } from "hono/jsx/dom";
import { changed, state } from "./store.ts";

export function formatTime(ts: number): string {
  return new Date(ts * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit", hour12: !state.settings.twenty_four_hour_time });
}
export function formatDate(ts: number): string {
  const d = new Date(ts * 1000);
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return "Today";
  return d.toLocaleDateString([], { weekday: "short", month: "short", day: "numeric", year: d.getFullYear() === today.getFullYear() ? undefined : "numeric" });
}

/** avatar URLs that failed to load (offline installs cannot reach Gravatar): initials instead */
const brokenAvatars = new Set<string>();

export function Avatar(props: { userId: number; url?: string | null; size?: number }) {
  const u = state.users.get(props.userId);
  const url = props.url ?? u?.avatar_url;
  // its own state: message rows are memoized, so a failed image must re-render by itself
  const [broken, setBroken] = useState(url ? brokenAvatars.has(url) : false);
  const initials = (u?.full_name ?? "?").split(/\s+/).map((w) => w[0]).join("").slice(0, 2).toUpperCase();
  if (url && !broken) {
    return <img class="avatar" src={url} alt="" width={props.size ?? 36} height={props.size ?? 36} loading="lazy"
      onError={() => { brokenAvatars.add(url); setBroken(true); }} />;
  }
  return <span class="avatar avatar-initials" aria-hidden="true">{initials}</span>;
}

/** Common unicode emoji by Zulip name → code point(s), for the picker and ":name:" completion. */
export const EMOJI: [string, string][] = [
  ["+1", "1f44d"], ["-1", "1f44e"], ["smile", "1f604"], ["grinning", "1f600"], ["joy", "1f602"], ["heart", "2764"],
  ["tada", "1f389"], ["thinking", "1f914"], ["eyes", "1f440"], ["rocket", "1f680"], ["fire", "1f525"], ["check", "2714"],
  ["cross_mark", "274c"], ["wave", "1f44b"], ["clap", "1f44f"], ["pray", "1f64f"], ["sob", "1f62d"], ["slight_smile", "1f642"],
  ["wink", "1f609"], ["sunglasses", "1f60e"], ["octopus", "1f419"], ["coffee", "2615"], ["star", "2b50"], ["100", "1f4af"],
  ["warning", "26a0"], ["bulb", "1f4a1"], ["working_on_it", "1f6e0"], ["question", "2753"], ["exclamation", "2757"], ["party_popper", "1f389"],
];

export function emojiChar(code: string): string {
  try {
    return String.fromCodePoint(...code.split("-").map((h) => parseInt(h, 16)));
  } catch {
    return "?";
  }
}

// ---- toasts ---------------------------------------------------------------------------
export const toasts: { id: number; text: string; kind: "error" | "info" }[] = [];
let toastSeq = 0;
export function toast(text: string, kind: "error" | "info" = "error") {
  const id = ++toastSeq;
  toasts.push({ id, text, kind });
  changed();
  setTimeout(() => {
    const i = toasts.findIndex((t) => t.id === id);
    if (i >= 0) toasts.splice(i, 1);
    changed();
  }, 6000);
}
export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.map((t) => <div class={`toast toast-${t.kind}`} key={t.id}>{t.text}</div>)}
    </div>
  );
}

/** A modal dialog on <dialog>: focus is trapped by the browser, Esc closes it. */
export function Modal(props: { title: string; onClose: () => void; children?: any; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const prev = document.activeElement as HTMLElement | null;
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d?.addEventListener("cancel", onCancel);
    return () => {
      d?.removeEventListener("cancel", onCancel);
      prev?.focus?.();
    };
  }, []);
  return (
    <dialog ref={ref} class={`modal ${props.wide ? "modal-wide" : ""}`} aria-labelledby="modal-title">
      <div class="modal-head">
        <h2 id="modal-title">{props.title}</h2>
        <button type="button" class="icon-btn" aria-label="Close" onClick={props.onClose}>✕</button>
      </div>
      <div class="modal-body">{props.children}</div>
    </dialog>
  );
}
