// Detector for executable vectors in HTML output, shared by the XSS corpus
// and fuzz tests. It errs on the side of flagging.

const FORBIDDEN_TAGS = new Set([
  "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "link", "meta",
  "base", "form", "input", "button", "textarea", "select", "keygen", "isindex", "portal",
  "template", "xml", "xmp", "noscript", "animate", "set", "foreignobject", "use", "image",
  "maction", "annotation-xml", "source", "details", "marquee", "body", "html", "head", "bgsound",
  "title", "svg:script",
]);
const FORBIDDEN_ATTRS = new Set(["xlink:href", "formaction", "srcdoc", "background", "dynsrc", "lowsrc", "action", "data"]);
const URL_ATTRS = new Set(["href", "src", "data-src-fullsize", "data-original-src", "data-video-original-url", "cite", "poster"]);

function decode(v: string): string {
  return v
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16) % 0x110000))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Number(d) % 0x110000))
    .replace(/&colon;/gi, ":")
    .replace(/&tab;/gi, "\t")
    .replace(/&newline;/gi, "\n")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export function findExecutableVector(html: string): string | null {
  if (/<\s*\/?\s*script/i.test(html)) return "script tag";
  const tagRe = /<\s*([a-zA-Z][^\s/>]*)([^>]*)>/g;
  let m: RegExpExecArray | null;
  while ((m = tagRe.exec(html))) {
    const tag = m[1].toLowerCase();
    if (FORBIDDEN_TAGS.has(tag)) return `forbidden tag <${tag}>`;
    const attrs: Record<string, string> = {};
    const attrRe = /([^\s"'=<>`/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?/g;
    let a: RegExpExecArray | null;
    while ((a = attrRe.exec(m[2]))) {
      const name = a[1].toLowerCase();
      let value = a[2] ?? "";
      if (/^["']/.test(value)) value = value.slice(1, -1);
      attrs[name] = value;
      if (name.startsWith("on")) return `event handler ${name} on <${tag}>`;
      if (FORBIDDEN_ATTRS.has(name)) return `attribute ${name} on <${tag}>`;
      if (URL_ATTRS.has(name)) {
        const probe = decode(value).replace(/[\u0000-\u0020\u007f-\u009f\u00ad\u200b-\u200f\ufeff]/g, "").toLowerCase();
        if (/^(?:javascript|vbscript|data|livescript|file):/.test(probe)) return `dangerous URL in ${name}: ${value}`;
      }
      if (name === "style") {
        const s = decode(value).toLowerCase();
        if (/expression|url\s*\(|javascript:|behavior|binding|@import|\\/.test(s)) return `dangerous style: ${value}`;
      }
    }
    if (tag === "a" && attrs.target === "_blank" && !/noopener/.test(attrs.rel ?? "")) return "target=_blank without rel";
  }
  return null;
}
