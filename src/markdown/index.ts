import { findLinkifierHits, compileLinkifiers, URL_RE, hrefForBareUrl } from "./links.ts";
import { newResult, renderDocument, withContext } from "./render.ts";
import { sanitizeHtml } from "./sanitize.ts";
import { htmlToText } from "./text.ts";
import { escapeText } from "./util.ts";
import type { MarkdownLookups, RenderResult } from "./types.ts";

export type { MarkdownLookups, RenderResult } from "./types.ts";
export { sanitizeHtml } from "./sanitize.ts";

export function renderMarkdown(content: string, lookups: Partial<MarkdownLookups> = {}): RenderResult {
  const result = newResult();
  // The placeholder marker is reserved for the renderer's own stash.
  const text = content.replace(/\r\n?/g, "\n").replace(/\u0001/g, "\uFFFD").replace(/(?:\n[ \t]*)+$/, "").replace(/^\n+/, "");
  result.isMeMessage = /^\/me(?:\s|$)/.test(text);
  if (text.trim() === "") return result;
  let raw: string;
  try {
    raw = withContext(lookups, result, () => renderDocument(text));
  } catch {
    // Last resort for input that defeats the parser (e.g. a stack overflow):
    // the message still renders, as escaped text.
    raw = `<p>${escapeText(text).replace(/\n/g, "<br>\n")}</p>`;
  }
  result.html = sanitizeHtml(raw.replace(/\n+$/, ""));
  result.text = htmlToText(result.html);
  return result;
}

/** topic_links for a message topic: linkifier matches and bare URLs, in order of appearance. */
export function renderTopicLinks(topic: string, linkifiers: MarkdownLookups["linkifiers"]): { text: string; url: string }[] {
  const found: { index: number; text: string; url: string }[] = findLinkifierHits(topic, compileLinkifiers(linkifiers));
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(topic))) {
    const start = m.index;
    const end = start + m[1].length;
    if (!found.some((f) => start < f.index + f.text.length && f.index < end)) {
      found.push({ index: start, text: m[1], url: hrefForBareUrl(m[1]) });
    }
  }
  found.sort((a, b) => a.index - b.index);
  return found.map(({ text, url }) => ({ text, url }));
}

/** Zulip's unicode emoji table (names and aliases ↔ codepoints), for reactions and pickers. */
export { emojiCodeForName, emojiNameForCode } from "./emoji.ts";
