// Escaping helpers. Zulip's backend (Python-Markdown/ElementTree) escapes only
// &, < and > in text nodes, so quotes stay literal in text; attributes also
// escape the double quote.

export function escapeText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text-node escaping that, like Python-Markdown, leaves existing entity references alone. */
export function escapeTextKeepEntities(s: string): string {
  return s.replace(/&(?!#[0-9]{1,7};|#x[0-9a-fA-F]{1,6};|[a-zA-Z][a-zA-Z0-9]{1,31};)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, "&quot;");
}

/** Zulip's narrow-URL component encoding (hash_util.encodeHashComponent). */
export function encodeHashComponent(s: string): string {
  return encodeURIComponent(s).replace(/[%().]/g, (c) =>
    c === "%" ? "." : c === "(" ? ".28" : c === ")" ? ".29" : ".2E",
  );
}

export function streamSlug(id: number, name: string): string {
  return `${id}-${encodeHashComponent(name.replace(/ /g, "-"))}`;
}

const ALLOWED_SCHEME = /^(?:https?|mailto|tel|sms):/i;

/**
 * Only http(s), mailto, tel, sms and scheme-less (relative) URLs may become
 * links. Browsers ignore ASCII control characters and whitespace inside a
 * scheme ("java\tscript:"), so those are stripped before the scheme test.
 */
export function isSafeUrl(url: string): boolean {
  const probe = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  const scheme = /^([^/?#]*?):/.exec(probe);
  if (!scheme) return true;
  return ALLOWED_SCHEME.test(probe);
}
