import { charsForCode } from "./emoji.ts";

// Plain text of rendered HTML, for search indexing and notification text.
// Emoji become their characters, math its TeX source, markup disappears.

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

const TAG = /<(\/?)([a-zA-Z][\w-]*)([^>]*)>/g;

export function htmlToText(html: string): string {
  let out = "";
  let last = 0;
  let skipDepth = 0; // >0 while inside a subtree whose text is replaced
  let depth = 0;
  const skipStarts: number[] = [];
  TAG.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TAG.exec(html))) {
    if (skipDepth === 0) out += decodeEntities(html.slice(last, m.index));
    last = TAG.lastIndex;
    const [, close, name, attrs] = m;
    const voidTag = /^(br|img|hr)$/i.test(name);
    if (close) {
      depth--;
      if (skipStarts.length && skipStarts[skipStarts.length - 1] === depth) {
        skipStarts.pop();
        skipDepth--;
      }
      continue;
    }
    if (voidTag) {
      if (skipDepth === 0 && name === "img") {
        const alt = /alt="([^"]*)"/.exec(attrs);
        if (alt) out += decodeEntities(alt[1]);
      }
      continue;
    }
    const cls = /class="([^"]*)"/.exec(attrs)?.[1] ?? "";
    if (skipDepth === 0) {
      const emoji = /(?:^| )emoji-([0-9a-f-]+)/.exec(cls);
      if (emoji) out += charsForCode(emoji[1]);
      else if (/(?:^| )katex(?: |$)/.test(cls)) {
        const rest = html.slice(TAG.lastIndex);
        const ann = /<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/.exec(rest);
        if (ann) out += `$$${decodeEntities(ann[1])}$$`;
      } else if (cls === "spoiler-content") out += "(…)\n";
      if (emoji || /(?:^| )katex(?: |$)/.test(cls) || cls === "spoiler-content") {
        skipStarts.push(depth);
        skipDepth++;
      }
    }
    depth++;
  }
  if (skipDepth === 0) out += decodeEntities(html.slice(last));
  return out;
}
