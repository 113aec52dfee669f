import { charsForCode } from "./emoji.ts";

// Plain text of rendered HTML, for search indexing and notification text,
// following Zulip's text_content: emoji become their characters, math its
// $$TeX$$ source, quoted lines get "> ", spoilers show their header and "(…)".

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

function quoteLines(inner: string): string {
  const body = inner.replace(/^\n/, "");
  const trailing = body.endsWith("\n");
  const lines = (trailing ? body.slice(0, -1) : body).split("\n");
  // Zulip's quoted text has no blank "> " lines.
  return lines.filter((l) => l.trim() !== "").map((l) => `> ${l}`).join("\n") + (trailing ? "\n" : "");
}

const TAG = /<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g;
const VOID = /^(?:br|img|hr)$/i;

export function htmlToText(html: string): string {
  const buffers: string[] = [""];
  const open: { name: string; skip: boolean; quote: boolean }[] = [];
  let skipping = 0;
  let last = 0;
  const emit = (s: string) => {
    if (skipping === 0) buffers[buffers.length - 1] += s;
  };
  TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(html))) {
    emit(decodeEntities(html.slice(last, m.index)));
    last = TAG.lastIndex;
    const [, close, name, attrs] = m;
    if (VOID.test(name)) {
      const alt = name.toLowerCase() === "img" ? /alt="([^"]*)"/.exec(attrs) : null;
      if (alt) emit(decodeEntities(alt[1]));
      continue;
    }
    if (close) {
      const el = open.pop();
      if (!el) continue;
      if (el.skip) skipping--;
      if (el.quote) {
        const inner = buffers.pop()!;
        emit(quoteLines(inner));
      }
      continue;
    }
    const cls = /class="([^"]*)"/.exec(attrs)?.[1] ?? "";
    const emoji = /(?:^| )emoji-([0-9a-f-]+)/.exec(cls);
    const katex = /(?:^| )katex(?: |$)/.test(cls);
    const spoilerBody = cls === "spoiler-content";
    if (emoji) emit(charsForCode(emoji[1]));
    else if (katex) {
      const ann = /<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/.exec(html.slice(TAG.lastIndex));
      if (ann) emit(`$$${decodeEntities(ann[1])}$$`);
    } else if (spoilerBody) emit("(…)\n");
    const skip = !!emoji || katex || spoilerBody;
    const quote = name.toLowerCase() === "blockquote" && skipping === 0;
    if (skip) skipping++;
    if (quote) buffers.push("");
    open.push({ name, skip, quote });
  }
  emit(decodeEntities(html.slice(last)));
  while (buffers.length > 1) {
    const inner = buffers.pop()!;
    buffers[buffers.length - 1] += quoteLines(inner);
  }
  return buffers[0];
}
