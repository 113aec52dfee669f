// Bare-URL detection and realm linkifiers.

// Generic and common TLDs; any two-letter country code is accepted too, except
// the ones that are far more often file extensions (Zulip drops the same).
const GTLDS = [
  "academy", "agency", "app", "art", "blog", "biz", "cafe", "capital", "center", "chat", "city",
  "cloud", "club", "codes", "com", "community", "company", "consulting", "coop", "design", "dev",
  "digital", "directory", "edu", "education", "email", "engineering", "events", "expert", "finance",
  "foundation", "fun", "gallery", "games", "gov", "group", "guide", "health", "host", "house",
  "info", "institute", "int", "jobs", "life", "link", "live", "ltd", "media", "mil", "mobi",
  "money", "museum", "name", "net", "network", "news", "ninja", "online", "org", "page", "partners",
  "photo", "photos", "pro", "rocks", "run", "school", "science", "services", "shop", "site",
  "social", "software", "solutions", "space", "store", "studio", "systems", "team", "tech",
  "technology", "tools", "top", "travel", "tv", "university", "wiki", "work", "works", "world",
  "xyz", "zone", "aero", "asia", "cat", "tel", "onion", "local",
];
const FALSE_POSITIVE_CC = ["md", "py", "rs", "sh", "ts", "js", "rb", "pl"];
const TLD = `(?:${GTLDS.sort((a, b) => b.length - a.length).join("|")}|(?!(?:${FALSE_POSITIVE_CC.join("|")})(?![a-z]))[a-z]{2})`;

// Paths may contain balanced parentheses nested up to six deep, like Zulip.
function nestedParens(): string {
  const chunk = String.raw`[^\s()"]*?(?:\(%s\)[^\s()"]*?)*`;
  let out = chunk;
  for (let i = 0; i < 5; i++) out = out.replace("%s", chunk);
  return out.replace("%s", String.raw`[^\s()"]*`);
}

// The URL must be followed by optional trailing punctuation then whitespace or
// the end; emphasis markers count as an end since they close around the URL.
const TAIL = String.raw`(?=[!:;?),.'">*~]*(?:$|\s))`;
const URL_BODY = String.raw`(?:(?:https?://[\w.:@-]+?|(?:[\w-]+\.)+${TLD})(?:/${nestedParens()})?|[\w.+-]+@[\w.-]+\.\w+)`;
export const URL_RE = new RegExp(String.raw`(?<![^\s'"(,:<])(${URL_BODY})${TAIL}`, "gi");
const URL_AT_START = new RegExp(String.raw`^(${URL_BODY})${TAIL}`, "i");

export function isUrlBoundary(prev: string): boolean {
  return prev === "" || /[\s'"(,:<]/.test(prev);
}

export function matchUrlAt(src: string, prev: string): string | null {
  if (!isUrlBoundary(prev)) return null;
  const m = URL_AT_START.exec(src);
  return m ? m[1] : null;
}

export function hrefForBareUrl(url: string): string {
  if (/^https?:\/\//i.test(url)) return url;
  if (url.includes("@")) return `mailto:${url}`;
  return `http://${url}`;
}

// ---- linkifiers -----------------------------------------------------------

export interface Linkifier {
  id: number;
  pattern: string;
  urlTemplate: string;
}

export interface CompiledLinkifier {
  re: RegExp;
  template: string;
}

/**
 * JavaScript regexes cannot be interrupted, so a catastrophic-backtracking
 * pattern would stall the event loop. We refuse the pattern shapes that cause
 * it: backreferences and an unbounded quantifier applied to a group that
 * itself contains an unbounded quantifier (star height > 1).
 */
export function isSafePattern(pattern: string): boolean {
  if (pattern.length > 1000) return false;
  if (/\\[1-9]|\\k<|\(\?P=/.test(pattern)) return false;
  const stack: boolean[] = [];
  let inner = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") { i++; continue; }
    if (c === "[") {
      // Skip a character class; quantifier characters inside it are literal.
      i++;
      if (pattern[i] === "^") i++;
      if (pattern[i] === "]") i++;
      while (i < pattern.length && pattern[i] !== "]") { if (pattern[i] === "\\") i++; i++; }
      continue;
    }
    if (c === "(") { stack.push(inner); inner = false; continue; }
    if (c === ")") {
      const groupHasUnbounded: boolean = inner;
      inner = stack.pop() ?? false;
      const next = pattern.slice(i + 1);
      const quantified = /^(?:[*+]|\{\d*,\})/.test(next);
      if (quantified && groupHasUnbounded) return false;
      inner = inner || groupHasUnbounded || quantified;
      continue;
    }
    if (c === "*" || c === "+" || (c === "{" && /^\{\d*,\}/.test(pattern.slice(i)))) inner = true;
  }
  return true;
}

export function compileLinkifiers(linkifiers: Linkifier[]): CompiledLinkifier[] {
  const out: CompiledLinkifier[] = [];
  for (const l of linkifiers) {
    if (!isSafePattern(l.pattern)) continue;
    const source = l.pattern.replace(/\(\?P</g, "(?<").replace(/\\Z/g, "$");
    try {
      const re = new RegExp(String.raw`(?<![^\s'"(,:<])(?:${source})(?![\w])`, "g");
      out.push({ re, template: l.urlTemplate });
    } catch {
      // A pattern JavaScript cannot compile simply does not linkify.
    }
  }
  return out;
}

function encodeSimple(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

function encodeReserved(v: string): string {
  return encodeURI(v).replace(/%25([0-9A-Fa-f]{2})/g, "%$1");
}

/** RFC 6570 level-2 expansion ({var}, {+var}, {#var}) of a linkifier template. */
export function expandTemplate(template: string, groups: Record<string, string | undefined>): string {
  return template.replace(/\{([+#]?)([\w.]+)\}/g, (_, op: string, name: string) => {
    const v = groups[name];
    if (v === undefined) return "";
    if (op === "+") return encodeReserved(v);
    if (op === "#") return "#" + encodeReserved(v);
    return encodeSimple(v);
  });
}

export interface LinkifierHit {
  index: number;
  text: string;
  url: string;
}

/** All non-overlapping linkifier matches in text, earliest (then first-listed) wins. */
export function findLinkifierHits(text: string, compiled: CompiledLinkifier[]): LinkifierHit[] {
  const hits: LinkifierHit[] = [];
  for (const l of compiled) {
    l.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = l.re.exec(text))) {
      if (m[0] === "") { l.re.lastIndex++; continue; }
      const groups: Record<string, string | undefined> = { ...(m.groups ?? {}) };
      hits.push({ index: m.index, text: m[0], url: expandTemplate(l.template, groups) });
    }
  }
  hits.sort((a, b) => a.index - b.index);
  const out: LinkifierHit[] = [];
  let end = 0;
  for (const h of hits) {
    if (h.index < end) continue;
    out.push(h);
    end = h.index + h.text.length;
  }
  return out;
}
