// Zulip renders with KaTeX 0.16; 0.19 changed class names and number
// precision, which Zulip clients (styled for 0.16) would not match.
import katex from "katex16";
import { Marked, Tokenizer, type Tokens, type Token, type TokenizerAndRendererExtension } from "marked";
import {
  EMOTICONS, UNICODE_EMOJI_SOURCE, charsForCode, codeForSequence, emojiCodeForName,
  emojiNameForCode, imageEmoji, unicodeEmojiSpan,
} from "./emoji.ts";
import { PLACEHOLDER_MARK, processFences } from "./fences.ts";
import { canonicalLanguage } from "./languages.ts";
import {
  compileLinkifiers, findLinkifierHits, hrefForBareUrl, matchUrlAt, URL_RE, isUrlBoundary,
  type CompiledLinkifier,
} from "./links.ts";
import { parseTimestamp } from "./time.ts";
import type { MarkdownLookups, RenderResult } from "./types.ts";
import { encodeHashComponent, escapeAttr, escapeText, escapeTextKeepEntities, isSafeUrl, streamSlug } from "./util.ts";

// ---------------------------------------------------------------------------
// Per-render state. Rendering is synchronous, so one module-level context is
// enough; it is saved/restored around nested renders (spoilers).

interface Preview {
  html: string;
}

interface Ctx {
  lookups: Partial<MarkdownLookups>;
  linkifiers: CompiledLinkifier[];
  stash: string[];
  result: RenderResult;
  previewSink: Preview[][];
  previewedUrls: Set<string>;
  quoteDepth: number;
  linkifierBudgetEnds: number;
}

let ctx: Ctx;

const LINKIFIER_BUDGET_MS = 25;
const MAX_QUOTE_DEPTH = 16;
const EMPHASIS_WINDOW = 300;
const MAX_DELIMITER_RUNS = 16;
const LINK_WINDOW = 2000;
let quoteLexDepth = 0;
const MAX_STASH_NESTING = 20;

// ---------------------------------------------------------------------------
// Block HTML builders shared by fenced and indented code.

function codeBlockHtml(lang: string, body: string): string {
  const lines = body.split("\n").map((l) => l.replace(/\s+$/, ""));
  while (lines.length && lines[0] === "") lines.shift();
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  let text = escapeText(lines.join("\n")).replace(/"/g, "&quot;");
  // Pygments' plain-text path escapes the apostrophe too; highlighted
  // languages (rendered here without token spans, like Zulip's web
  // renderer) keep it literal.
  if (!lang) text = text.replace(/'/g, "&#39;");
  const attr = lang ? ` data-code-language="${escapeAttr(canonicalLanguage(lang))}"` : "";
  return `<div class="codehilite"${attr}><pre><span></span><code>${text}\n</code></pre></div>`;
}

function renderTex(tex: string, display: boolean): string | null {
  // KaTeX console.warns for every glyph it lacks metrics for; user input
  // must not be able to flood the server log, so warnings are muted here.
  const warn = console.warn;
  console.warn = () => {};
  try {
    return katex.renderToString(tex, {
      displayMode: display,
      throwOnError: true,
      trust: false,
      strict: "ignore",
      maxSize: 100,
      maxExpand: 1000,
      output: "htmlAndMathml",
    });
  } catch {
    return null;
  } finally {
    console.warn = warn;
  }
}

function mathBlockHtml(body: string): string {
  const tex = body.trim();
  const out = renderTex(tex, true);
  if (out === null) {
    const esc = escapeAttr(tex).replace(/'/g, "&#x27;");
    return `<p><span class="tex-error">${esc}</span></p>`;
  }
  return `<p>${out}</p>`;
}

function spoilerHtml(header: string, bodyLines: string[]): string {
  const head = header ? renderDocument(header).trimEnd() : "";
  const body = renderDocument(bodyLines.join("\n"), true);
  const headHtml = head ? `${head}\n` : "";
  const bodyHtml = body.endsWith("\n") || body === "" ? body : body;
  const sep = bodyHtml === "" || bodyHtml.endsWith("</div>") ? "" : "\n";
  return (
    `<div class="spoiler-block"><div class="spoiler-header">\n${headHtml}</div>` +
    `<div class="spoiler-content" aria-hidden="true">\n${bodyHtml.replace(/\n$/, "")}${sep}</div></div>`
  );
}

// ---------------------------------------------------------------------------
// List indentation. Zulip (Python-Markdown with its own list processor)
// nests a list item under the previous one as soon as it is indented further,
// even by two spaces; marked needs the child to reach the parent's content
// column. Item lines are re-indented so marked sees Zulip's structure.

const LIST_ITEM = /^( *)([*+-]|\d{1,9}[.)])( +)(?=\S)/;

function normalizeListIndent(lines: string[]): string[] {
  const out: string[] = [];
  let stack: { src: number; out: number; content: number }[] = [];
  let prevBlank = true;
  for (const line of lines) {
    if (line.trim() === "") {
      out.push(line);
      prevBlank = true;
      continue;
    }
    const m = LIST_ITEM.exec(line);
    const indent = m ? m[1].length : (/^ */.exec(line)![0].length);
    if (m && (stack.length > 0 || indent < 4)) {
      while (stack.length && stack[stack.length - 1].src > indent) stack.pop();
      let outIndent: number;
      const top = stack[stack.length - 1];
      if (!top) outIndent = indent;
      else if (top.src === indent) {
        outIndent = top.out;
        stack.pop();
      } else outIndent = top.content;
      const markerWidth = m[2].length + Math.min(m[3].length, 4);
      stack.push({ src: indent, out: outIndent, content: outIndent + markerWidth });
      out.push(" ".repeat(outIndent) + line.slice(indent));
    } else {
      if (indent === 0 && prevBlank) stack = [];
      out.push(line);
    }
    prevBlank = false;
  }
  return out;
}

// ---------------------------------------------------------------------------
// marked configuration

function prevCharOf(tokens: Token[]): string {
  const last = tokens[tokens.length - 1];
  return last ? last.raw.slice(-1) : "";
}

/**
 * marked asks every inline extension for the next possible start on each
 * remaining suffix of the text, which is quadratic if each answer rescans the
 * suffix. Candidate positions are computed once per source text and answered
 * by binary search; suffixes of the cached text are recognised by length and
 * content. The answer is only a hint: tokenizers re-check every candidate.
 */
// Hints depend on per-render lookups (realm emoji, linkifiers), so every
// cache is dropped when a new render begins.
const startCacheResets: (() => void)[] = [];

function cachedStart(findAll: (src: string) => number[]): (src: string) => number | undefined {
  let full = "";
  let positions: number[] = [];
  startCacheResets.push(() => {
    full = "";
    positions = [];
  });
  return (src: string) => {
    if (src.length > full.length || !full.endsWith(src)) {
      full = src;
      positions = findAll(src);
    }
    const offset = full.length - src.length;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (positions[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < positions.length ? positions[lo] - offset : undefined;
  };
}

function allMatches(re: RegExp, filter?: (m: RegExpExecArray) => boolean): (src: string) => number[] {
  return (src) => {
    const out: number[] = [];
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    let last = -1;
    while ((m = re.exec(src))) {
      // A /u regex may snap a mid-surrogate lastIndex back; never revisit.
      if (m.index <= last) break;
      last = m.index;
      if (!filter || filter(m)) out.push(m.index);
      re.lastIndex = re.unicode ? m.index + Math.max(1, m[0].length) : m.index + 1;
    }
    return out;
  };
}

const stashExt: TokenizerAndRendererExtension = {
  name: "zstash",
  level: "block",
  start: (src) => {
    const i = src.indexOf(PLACEHOLDER_MARK);
    return i < 0 ? undefined : i;
  },
  tokenizer(src) {
    const m = /^\u0001(\d+)\u0001[^\S\n]*(?:\n|$)/.exec(src);
    if (!m) return undefined;
    return { type: "zstash", raw: m[0], index: Number(m[1]) };
  },
  renderer(token) {
    return (ctx.stash[(token as unknown as { index: number }).index] ?? "") + "\n";
  },
};

// Zulip's strikethrough: no flanking rules, so "~~ a ~~" strikes too.
const delExt: TokenizerAndRendererExtension = {
  name: "zdel",
  level: "inline",
  start: cachedStart(allMatches(/~~(?!~)[^~\n]+?~~(?!~)/g)),
  tokenizer(src, tokens) {
    if (prevCharOf(tokens) === "~") return undefined;
    const m = /^~~(?!~)([^~\n]+?)~~(?!~)/.exec(src);
    if (!m) return undefined;
    return { type: "del", raw: m[0], text: m[1], tokens: this.lexer.inlineTokens(m[1]) };
  },
};

const TEX_RE = /^\$\$([^\n_$](?:\\\$|[^$\n])*)\$\$(?!\$)/;
const texExt: TokenizerAndRendererExtension = {
  name: "ztex",
  level: "inline",
  start: cachedStart(allMatches(/\$\$[^\n_$](?:\\\$|[^$\n])*\$\$(?!\$)/g)),
  tokenizer(src, tokens) {
    if (prevCharOf(tokens) === "$") return undefined;
    const m = TEX_RE.exec(src);
    if (!m) return undefined;
    return { type: "ztex", raw: m[0], tex: m[1] };
  },
  renderer(token) {
    const tex = (token as unknown as { tex: string }).tex;
    const out = renderTex(tex, false);
    return out ?? `<span class="tex-error">${escapeText(`$$${tex}$$`)}</span>`;
  },
};

const timeExt: TokenizerAndRendererExtension = {
  name: "ztime",
  level: "inline",
  start: cachedStart(allMatches(/<time:[^>]*>/g)),
  tokenizer(src) {
    const m = /^<time:([^>]*)>/.exec(src);
    if (!m) return undefined;
    return { type: "ztime", raw: m[0], value: m[1] };
  },
  renderer(token) {
    const value = (token as unknown as { value: string }).value;
    const iso = parseTimestamp(value);
    if (iso === null) return `<span class="timestamp-error">Invalid time format: ${escapeText(value)}</span>`;
    return `<time datetime="${iso}">${escapeText(value)}</time>`;
  },
};

const WILDCARDS_STREAM = new Set(["all", "everyone", "channel", "stream"]);

const mentionExt: TokenizerAndRendererExtension = {
  name: "zmention",
  level: "inline",
  start: cachedStart(allMatches(/@_?(?:\*\*[^*]+\*\*|\*[^*]+\*)/g)),
  tokenizer(src, tokens) {
    if (!isUrlBoundary(prevCharOf(tokens))) return undefined;
    const m = /^@(_?)(\*\*([^*]+)\*\*|\*([^*]+)\*)/.exec(src);
    if (!m) return undefined;
    const silent = m[1] === "_";
    if (m[3] !== undefined) return { type: "zmention", raw: m[0], silent, user: m[3] };
    return { type: "zmention", raw: m[0], silent, group: m[4] };
  },
  renderer(token) {
    const t = token as unknown as { raw: string; silent: boolean; user?: string; group?: string };
    const r = ctx.result;
    const silentCls = t.silent ? " silent" : "";
    if (t.group !== undefined) {
      const g = ctx.lookups.groupByName?.(t.group);
      if (!g) return escapeText(t.raw);
      if (!t.silent) r.mentionedGroupIds.add(g.id);
      const shown = g.name.startsWith("role:") && g.description ? g.description : g.name;
      return `<span class="user-group-mention${silentCls}" data-user-group-id="${g.id}">${t.silent ? "" : "@"}${escapeText(shown)}</span>`;
    }
    const name = t.user!;
    const lower = name.toLowerCase();
    if (WILDCARDS_STREAM.has(lower)) {
      if (!t.silent) r.wildcard = "stream";
      return `<span class="user-mention channel-wildcard-mention${silentCls}" data-user-id="*">${t.silent ? "" : "@"}${escapeText(name)}</span>`;
    }
    if (lower === "topic") {
      if (!t.silent && r.wildcard === null) r.wildcard = "topic";
      return `<span class="topic-mention${silentCls}">${t.silent ? "" : "@"}${escapeText(name)}</span>`;
    }
    let user: { id: number; fullName: string } | null | undefined;
    const pipe = /^(.*)\|(\d+)$/.exec(name);
    if (pipe) user = ctx.lookups.userById?.(Number(pipe[2]));
    else user = ctx.lookups.userByName?.(name);
    if (!user) return escapeText(t.raw);
    if (t.silent) r.silentMentionedUserIds.add(user.id);
    else r.mentionedUserIds.add(user.id);
    return `<span class="user-mention${silentCls}" data-user-id="${user.id}">${t.silent ? "" : "@"}${escapeText(user.fullName)}</span>`;
  },
};

const streamExt: TokenizerAndRendererExtension = {
  name: "zstream",
  level: "inline",
  start: cachedStart(allMatches(/#\*\*[^*>]+(?:>[^*]*?)?\*\*/g)),
  tokenizer(src) {
    const m = /^#\*\*([^*>]+)(?:>([^*]*?)(?:@(\d+))?)?\*\*/.exec(src);
    if (!m) return undefined;
    return { type: "zstream", raw: m[0], stream: m[1], topic: m[2], messageId: m[3] };
  },
  renderer(token) {
    const t = token as unknown as { raw: string; stream: string; topic?: string; messageId?: string };
    const s = ctx.lookups.streamByName?.(t.stream);
    if (!s) return escapeText(t.raw);
    const base = `/#narrow/channel/${streamSlug(s.id, s.name)}`;
    if (t.topic === undefined) {
      return `<a class="stream" data-stream-id="${s.id}" href="${escapeAttr(base)}">#${escapeText(s.name)}</a>`;
    }
    const topicUrl = `${base}/topic/${encodeHashComponent(t.topic)}`;
    const shownTopic =
      t.topic === "" ? `<em>${escapeText(ctx.lookups.emptyTopicDisplayName ?? "general chat")}</em>` : escapeText(t.topic);
    if (t.messageId !== undefined) {
      return `<a class="message-link" href="${escapeAttr(`${topicUrl}/near/${t.messageId}`)}">#${escapeText(s.name)} &gt; ${shownTopic} @ 💬</a>`;
    }
    return `<a class="stream-topic" data-stream-id="${s.id}" href="${escapeAttr(topicUrl)}">#${escapeText(s.name)} &gt; ${shownTopic}</a>`;
  },
};

const EMOTICON_RE = /^(?::\)|\(:|:\(|<3|:\||:\/|;\)|:D|:o|:O|:p|:P)/;
const EMOTICON_BOUNDARY = /[\s.,;!?'"()[\]{}]/;

function isEmojiName(name: string): boolean {
  return name === "zulip" || emojiCodeForName(name) !== undefined || !!ctx.lookups.realmEmoji?.(name);
}
const EMOJI_NAME_RE = /:([\w+-]+):/g;
const emojiStart = cachedStart(allMatches(EMOJI_NAME_RE, (m) => isEmojiName(m[1])));
const emojiOrEmoticonStart = cachedStart((src) =>
  [...allMatches(EMOJI_NAME_RE, (m) => isEmojiName(m[1]))(src), ...allMatches(/:\)|\(:|:\(|<3|:\||:\/|;\)|:D|:o|:O|:p|:P/g)(src)].sort((a, b) => a - b),
);

const emojiExt: TokenizerAndRendererExtension = {
  name: "zemoji",
  level: "inline",
  start: (src) => (ctx.lookups.translateEmoticons ? emojiOrEmoticonStart(src) : emojiStart(src)),
  tokenizer(src, tokens) {
    const m = /^:([\w+-]+):/.exec(src);
    if (m) {
      const name = m[1];
      const realm = ctx.lookups.realmEmoji?.(name);
      if (realm) return { type: "zemoji", raw: m[0], name, src: realm.stillUrl ?? realm.sourceUrl, image: true };
      if (name === "zulip") {
        return { type: "zemoji", raw: m[0], name, src: "/static/generated/emoji/images/emoji/unicode/zulip.png", image: true };
      }
      const code = emojiCodeForName(name);
      if (code) return { type: "zemoji", raw: m[0], name, code };
    }
    if (ctx.lookups.translateEmoticons) {
      const e = EMOTICON_RE.exec(src);
      if (e) {
        const prev = prevCharOf(tokens);
        const next = src.charAt(e[0].length);
        if ((prev === "" || EMOTICON_BOUNDARY.test(prev)) && (next === "" || EMOTICON_BOUNDARY.test(next))) {
          const name = EMOTICONS[e[0]];
          const code = emojiCodeForName(name);
          if (code) return { type: "zemoji", raw: e[0], name, code };
        }
      }
    }
    return undefined;
  },
  renderer(token) {
    const t = token as unknown as { name: string; code?: string; src?: string; image?: boolean };
    if (t.image) return imageEmoji(t.name, t.src!);
    return unicodeEmojiSpan(t.name, t.code!);
  },
};

const UNICODE_AT = new RegExp(`^${UNICODE_EMOJI_SOURCE}`, "u");
const unicodeEmojiExt: TokenizerAndRendererExtension = {
  name: "zunicode",
  level: "inline",
  start: cachedStart(allMatches(new RegExp(UNICODE_EMOJI_SOURCE, "gu"))),
  tokenizer(src) {
    const m = UNICODE_AT.exec(src);
    if (!m) return undefined;
    const code = codeForSequence(m[0]);
    const name = emojiNameForCode(code);
    // An unknown sequence is still consumed whole, so its parts are not
    // rendered as separate emoji.
    return { type: "zunicode", raw: m[0], name, code };
  },
  renderer(token) {
    const t = token as unknown as { raw: string; name?: string; code: string };
    return t.name ? unicodeEmojiSpan(t.name, t.code) : escapeText(t.raw);
  },
};

function linkifierHitAt(src: string): { text: string; url: string } | null {
  if (!ctx.linkifiers.length || performance.now() > ctx.linkifierBudgetEnds) return null;
  // Only the current line can hold a match; bounding the input bounds the work.
  const line = src.slice(0, Math.min(src.length, 2000)).split("\n")[0];
  const hits = findLinkifierHits(line, ctx.linkifiers);
  const h = hits[0];
  return h && h.index === 0 ? h : null;
}

// Keyed on the linkifier set too, since the cache outlives one render.
let linkStartFor: CompiledLinkifier[] | null = null;
let linkStartCached: (src: string) => number | undefined = () => undefined;
function linkStart(src: string): number | undefined {
  if (linkStartFor !== ctx.linkifiers) {
    linkStartFor = ctx.linkifiers;
    const linkifiers = ctx.linkifiers;
    linkStartCached = cachedStart((text) => {
      const found = allMatches(URL_RE)(text);
      if (linkifiers.length && performance.now() <= ctx.linkifierBudgetEnds) {
        for (const h of findLinkifierHits(text, linkifiers)) found.push(h.index);
        found.sort((a, b) => a - b);
      }
      return found;
    });
  }
  return linkStartCached(src);
}

const linkExt: TokenizerAndRendererExtension = {
  name: "zlink",
  level: "inline",
  start: (src) => linkStart(src),
  tokenizer(src, tokens) {
    const prev = prevCharOf(tokens);
    if (isUrlBoundary(prev)) {
      const hit = linkifierHitAt(src);
      if (hit) return { type: "zlink", raw: hit.text, href: hit.url, text: hit.text, linkifier: true };
    }
    const url = matchUrlAt(src, prev);
    if (!url) return undefined;
    return { type: "zlink", raw: url, href: hrefForBareUrl(url), text: url, bare: true };
  },
  renderer(token) {
    const t = token as unknown as { href: string; text: string; linkifier?: boolean; bare?: boolean };
    if (t.linkifier) ctx.result.linkifierMatches = (ctx.result.linkifierMatches ?? 0) + 1;
    return anchor(t.href, escapeText(t.text), t.bare ? t.text : null, true);
  },
};

const IMAGE_EXT = /\.(?:png|jpe?g|gif|webp|bmp|tiff?)$/i;

function uploadPath(href: string): string | null {
  const realm = ctx.lookups.realmUrl?.replace(/\/$/, "");
  let h = href;
  if (realm && h.startsWith(realm + "/")) h = h.slice(realm.length);
  return h.startsWith("/user_uploads/") ? h.slice("/user_uploads/".length).split(/[?#]/)[0] : null;
}

function maybePreview(href: string, title: string | null): void {
  if (ctx.lookups.inlineImagePreview === false || ctx.quoteDepth > 0) return;
  const path = href.split(/[?#]/)[0];
  if (!IMAGE_EXT.test(path)) return;
  if (!/^https?:\/\//i.test(href) && uploadPath(href) === null) return;
  if (ctx.previewedUrls.has(href)) return;
  ctx.previewedUrls.add(href);
  ctx.result.hasImage = true;
  const titleAttr = title !== null ? ` title="${escapeAttr(title)}"` : "";
  let img: string;
  const proxy = ctx.lookups.imageProxyUrl;
  if (uploadPath(href) === null && proxy) {
    const base = `${proxy}?url=${encodeURIComponent(href)}`;
    img = `<img data-src-fullsize="${escapeAttr(base + "&size=full")}" src="${escapeAttr(base + "&size=thumbnail")}">`;
  } else {
    img = `<img src="${escapeAttr(href)}">`;
  }
  const sink = ctx.previewSink[ctx.previewSink.length - 1];
  sink.push({ html: `<div class="message_inline_image"><a href="${escapeAttr(href)}"${titleAttr}>${img}</a></div>` });
}

/** Every <a> the renderer emits goes through here, so link bookkeeping is uniform. */
function anchor(rawHref: string, innerHtml: string, previewTitle: string | null, bare: boolean): string {
  let href = rawHref;
  const realm = ctx.lookups.realmUrl?.replace(/\/$/, "");
  if (realm && href.startsWith(realm + "/#")) href = href.slice(realm.length + 1);
  ctx.result.hasLink = true;
  const up = uploadPath(href);
  if (up !== null) {
    ctx.result.hasAttachment = true;
    if (!ctx.result.uploadPaths.includes(up)) ctx.result.uploadPaths.push(up);
  }
  maybePreview(href, bare ? null : previewTitle);
  return `<a href="${escapeAttr(href)}">${innerHtml}</a>`;
}

function plainText(tokens: Token[] | undefined): string {
  if (!tokens) return "";
  return tokens.map((t) => ("tokens" in t && t.tokens ? plainText(t.tokens as Token[]) : "text" in t ? String(t.text) : t.raw)).join("");
}

const md = new Marked({ gfm: true, breaks: true });

md.use({
  extensions: [stashExt, delExt, texExt, timeExt, mentionExt, streamExt, emojiExt, unicodeEmojiExt, linkExt],
  tokenizer: {
    // Zulip has no setext headings, reference links, raw HTML, angle-bracket
    // autolinks or underscore emphasis; returning undefined turns each off.
    lheading: () => undefined,
    def: () => undefined,
    html: () => undefined,
    tag: () => undefined,
    autolink: () => undefined,
    url: () => undefined,
    reflink: () => undefined,
    fences: () => undefined,
    emStrong(fullSrc: string, fullMasked: string, prevChar?: string) {
      if (fullSrc.startsWith("_")) return undefined;
      // Emphasis never spans lines in Zulip, and marked's delimiter search is
      // linear per delimiter, so the search is confined to a bounded window.
      const nl = fullSrc.indexOf("\n");
      let end = Math.min(nl < 0 ? fullSrc.length : nl, EMPHASIS_WINDOW);
      // marked re-scans every delimiter run inside the window, so a line dense with
      // asterisks costs runs × window per emphasis start; no real emphasis span holds
      // more than a few dozen runs, so the window also ends at the MAX_DELIMITER_RUNS-th.
      for (let i = 0, runs = 0; i < end; i++) {
        if (fullSrc.charCodeAt(i) !== 42 /* * */) continue;
        while (i + 1 < end && fullSrc.charCodeAt(i + 1) === 42) i++;
        if (++runs > MAX_DELIMITER_RUNS) {
          end = i + 1;
          break;
        }
      }
      const src = fullSrc.slice(0, end);
      // marked aligns maskedSrc with src from the end, so align before cutting.
      const maskedSrc = fullMasked.slice(fullMasked.length - fullSrc.length).slice(0, end);
      // Zulip nests ***x*** as strong(em(x)); marked would build em(strong(x)).
      const triple = /^\*\*\*(?![\s*])([^\n]*?[^\s*])\*\*\*(?!\*)/.exec(src);
      if (triple) {
        const em = { type: "em", raw: `*${triple[1]}*`, text: triple[1], tokens: this.lexer.inlineTokens(triple[1]) };
        return { type: "strong", raw: triple[0], text: triple[1], tokens: [em] } as Tokens.Strong;
      }
      const tok = Tokenizer.prototype.emStrong.call(this, src, maskedSrc, prevChar) as Tokens.Em | Tokens.Strong | undefined;
      // Emphasis never spans lines in Zulip.
      if (tok && tok.raw.includes("\n")) {
        const run = /^\*+/.exec(src)![0];
        return { type: "text", raw: run, text: run } as unknown as Tokens.Strong;
      }
      return tok;
    },
    list(src: string) {
      // Zulip lets any list (not only one starting at 1) interrupt a paragraph.
      const state = this.lexer.state as { lastToken?: Token };
      const last = state.lastToken;
      if (last?.type === "text") state.lastToken = undefined;
      try {
        return Tokenizer.prototype.list.call(this, src) as Tokens.List | undefined;
      } finally {
        state.lastToken = last;
      }
    },
    paragraph(src: string) {
      const tok = Tokenizer.prototype.paragraph.call(this, src) as Tokens.Paragraph | undefined;
      if (!tok) return tok;
      // Any list item (not only "1.") may interrupt a paragraph in Zulip.
      const lines = tok.raw.split("\n");
      const cut = lines.findIndex((l, i) => i > 0 && /^ {0,3}(?:\d{1,9}[.)]|[*+-])[ \t]+\S/.test(l));
      if (cut < 0) return tok;
      const raw = lines.slice(0, cut).join("\n") + "\n";
      const text = lines.slice(0, cut).join("\n");
      return { type: "paragraph", raw, text, tokens: this.lexer.inline(text) } as Tokens.Paragraph;
    },
    del: () => undefined,
    br(src: string) {
      // Keep the next line's leading spaces as text, as Python-Markdown does.
      const m = /^ *\n(?![ \t]*$)/.exec(src);
      return m ? ({ type: "br", raw: m[0] } as Tokens.Br) : undefined;
    },
    codespan(src: string) {
      const m = /^(`+)([^\n]*?[^`\n])\1(?!`)/.exec(src);
      if (!m) return undefined;
      return { type: "codespan", raw: m[0], text: m[2] };
    },
    link(fullSrc: string) {
      if (fullSrc.startsWith("!")) return undefined;
      // Bounded for the same reason as emphasis: bracket matching rescans.
      const src = fullSrc.slice(0, LINK_WINDOW);
      const tok = Tokenizer.prototype.link.call(this, src) as Tokens.Link | undefined;
      if (!tok) return undefined;
      if (tok.type !== "link" || !isSafeUrl(tok.href) || tok.href.trim() === "") {
        // Not a link: give back the bracket only, so the rest is re-lexed as text.
        return { type: "text", raw: src[0], text: src[0] } as unknown as Tokens.Link;
      }
      return tok;
    },
    blockquote(src: string) {
      // Python-Markdown style: the quote runs from a ">" line to the next blank
      // line, lazy lines included; a quote with no content is literal text.
      const m = /^ {0,3}>[^\n]*(?:\n(?![ \t]*(?:\n|$))[^\n]*)*(?:\n|$)/.exec(src);
      if (!m) return undefined;
      // Nesting is capped: each level is a recursive lex, so ">>>>…" would
      // otherwise cost quadratic time and overflow the stack.
      if (quoteLexDepth >= MAX_QUOTE_DEPTH) return undefined;
      const raw = m[0];
      const inner = raw.replace(/\n$/, "").split("\n").map((l) => l.replace(/^ {0,3}> ?/, "")).join("\n");
      if (inner.trim() === "") {
        const text = raw.replace(/\n+$/, "");
        return { type: "paragraph", raw, text, tokens: [{ type: "text", raw: text, text, escaped: false }] } as unknown as Tokens.Blockquote;
      }
      quoteLexDepth++;
      try {
        return { type: "blockquote", raw, text: inner, tokens: this.lexer.blockTokens(inner, []) } as Tokens.Blockquote;
      } finally {
        quoteLexDepth--;
      }
    },
  },
  renderer: {
    paragraph({ tokens }) {
      // A paragraph that is nothing but a previewed bare image URL is replaced
      // by the preview itself, as Zulip does.
      const sink = ctx.previewSink[ctx.previewSink.length - 1];
      const before = sink.length;
      const inner = this.parser.parseInline(tokens);
      const only = tokens.length === 1 && tokens[0].type === "zlink" && (tokens[0] as unknown as { bare?: boolean }).bare;
      if (only && sink.length > before) return "";
      return `<p>${inner.replace(/^[ \t]+/, "")}</p>\n`;
    },
    code({ text, lang }) {
      return codeBlockHtml((lang ?? "").trim().split(/\s+/)[0] ?? "", text) + "\n";
    },
    blockquote({ tokens }) {
      ctx.quoteDepth++;
      try {
        return `<blockquote>\n${this.parser.parse(tokens)}</blockquote>\n`;
      } finally {
        ctx.quoteDepth--;
      }
    },
    heading({ tokens, depth }) {
      return `<h${depth}>${this.parser.parseInline(tokens)}</h${depth}>\n`;
    },
    hr() {
      return "<hr>\n";
    },
    list(token) {
      const tag = token.ordered ? "ol" : "ul";
      const start = token.ordered && token.start !== 1 && token.start !== "" ? ` start="${Number(token.start)}"` : "";
      let body = "";
      for (const item of token.items) body += this.listitem(item);
      return `<${tag}${start}>\n${body}</${tag}>\n`;
    },
    listitem(item) {
      ctx.previewSink.push([]);
      let body: string;
      try {
        const tokens = item.tokens.filter((t) => t.type !== "checkbox");
        body = this.parser.parse(tokens);
        if (item.task) body = (item.checked ? "[x] " : "[ ] ") + body;
      } finally {
        const previews = ctx.previewSink.pop()!;
        body = body! + previews.map((p) => p.html).join("");
      }
      return item.loose ? `<li>\n${body}</li>\n` : `<li>${body}</li>\n`;
    },
    checkbox() {
      return "";
    },
    table(token) {
      const cell = (c: Tokens.TableCell, tag: string) => {
        const align = c.align ? ` style="text-align: ${c.align};"` : "";
        return `<${tag}${align}>${this.parser.parseInline(c.tokens)}</${tag}>\n`;
      };
      let out = "<table>\n<thead>\n<tr>\n";
      for (const h of token.header) out += cell(h, "th");
      out += "</tr>\n</thead>\n<tbody>\n";
      for (const row of token.rows) {
        out += "<tr>\n";
        for (const c of row) out += cell(c, "td");
        out += "</tr>\n";
      }
      return out + "</tbody>\n</table>\n";
    },
    strong({ tokens }) {
      return `<strong>${this.parser.parseInline(tokens)}</strong>`;
    },
    em({ tokens }) {
      return `<em>${this.parser.parseInline(tokens)}</em>`;
    },
    del({ tokens }) {
      return `<del>${this.parser.parseInline(tokens)}</del>`;
    },
    codespan({ text }) {
      return `<code>${escapeText(text)}</code>`;
    },
    br() {
      return "<br>\n";
    },
    link({ href, tokens }) {
      const text = plainText(tokens);
      const inner = text.trim() === "" ? escapeText(href) : this.parser.parseInline(tokens);
      return anchor(href, inner, text.trim() === "" ? null : text, false);
    },
    image({ raw }) {
      return escapeText(raw);
    },
    text(token) {
      if ("tokens" in token && token.tokens) return this.parser.parseInline(token.tokens);
      return escapeTextKeepEntities(token.text);
    },
    html({ text }) {
      return escapeText(text);
    },
  },
});

// ---------------------------------------------------------------------------

let nesting = 0;

/** Markdown → HTML (unsanitized) for one document, using the current ctx. */
export function renderDocument(content: string, isSpoilerBody = false): string {
  if (++nesting > MAX_STASH_NESTING) {
    nesting--;
    return `<p>${escapeText(content)}</p>\n`;
  }
  try {
    const lines = content.split("\n");
    const fenced = processFences(lines, {
      code: codeBlockHtml,
      math: mathBlockHtml,
      spoiler: spoilerHtml,
      stash: (html) => {
        ctx.stash.push(html);
        return `${PLACEHOLDER_MARK}${ctx.stash.length - 1}${PLACEHOLDER_MARK}`;
      },
    });
    const source = normalizeListIndent(fenced).join("\n");
    ctx.previewSink.push([]);
    let html: string;
    try {
      html = md.parse(source, { async: false }) as string;
    } finally {
      const previews = ctx.previewSink.pop()!;
      html = html! + previews.map((p) => p.html).join("");
    }
    void isSpoilerBody;
    return html;
  } finally {
    nesting--;
  }
}

export function newResult(): RenderResult {
  return {
    html: "",
    text: "",
    isMeMessage: false,
    mentionedUserIds: new Set(),
    silentMentionedUserIds: new Set(),
    mentionedGroupIds: new Set(),
    wildcard: null,
    hasLink: false,
    hasImage: false,
    hasAttachment: false,
    uploadPaths: [],
  };
}

export function withContext<T>(lookups: Partial<MarkdownLookups>, result: RenderResult, fn: () => T): T {
  const saved = ctx;
  for (const reset of startCacheResets) reset();
  ctx = {
    lookups,
    linkifiers: compileLinkifiers(lookups.linkifiers ?? []),
    stash: [],
    result,
    previewSink: [],
    previewedUrls: new Set(),
    quoteDepth: 0,
    linkifierBudgetEnds: performance.now() + LINKIFIER_BUDGET_MS,
  };
  try {
    return fn();
  } finally {
    ctx = saved;
    for (const reset of startCacheResets) reset();
  }
}

export { charsForCode };
