import sanitize from "sanitize-html";
import { isSafeUrl } from "./util.ts";

// The single allowlist every piece of user-derived HTML passes through. The
// renderer already escapes everything it emits; this is the backstop that
// makes a renderer bug fail closed instead of becoming an XSS.

const MATHML_TAGS = [
  "math", "semantics", "annotation", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msup",
  "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr",
  "mtd", "mlabeledtr", "mstyle", "mpadded", "mphantom", "menclose", "merror",
];
const MATHML_ATTRS = [
  "xmlns", "display", "encoding", "mathvariant", "stretchy", "fence", "separator", "lspace",
  "rspace", "minsize", "maxsize", "accent", "accentunder", "largeop", "movablelimits", "symmetric",
  "width", "height", "depth", "voffset", "lpadding", "scriptlevel", "displaystyle", "rowspacing",
  "columnalign", "columnspacing", "columnlines", "rowlines", "rowalign", "notation", "linethickness",
  "mathcolor", "mathbackground", "side", "frame", "framespacing", "equalrows", "equalcolumns",
];

const SAFE_CLASSES: Record<string, (string | RegExp)[]> = {
  div: [
    "codehilite", "spoiler-block", "spoiler-header", "spoiler-content", "message_inline_image",
    "message_inline_video", "message_embed", "message_embed_title", "message_embed_description",
    "message_embed_image", "inline-preview-twitter",
  ],
  a: ["stream", "stream-topic", "message-link"],
  img: ["emoji", "inline-image", "image-loading-placeholder"],
  // Zulip's own span classes, Pygments token classes, and KaTeX's layout classes.
  span: [
    "user-mention", "user-group-mention", "topic-mention", "channel-wildcard-mention", "silent",
    "emoji", /^emoji-[0-9a-f-]+$/, "tex-error", "timestamp-error",
    /^(?:k|m|n|s|o|c|g|w|p|l|b|x|v|i|f|e|h|gd|gi|ge|gh|gu|gp|gr|go|gs|gt|kc|kd|kn|kp|kr|kt|ld|m[bfhio]|mi|il|n[abcdefilotx]|nv|ow|s[12bcdehirx]|sa|dl|ss|bp|fm|vc|vg|vi|vm|c[1hmps]|cpf|err|esc|nd)$/,
    /^katex(?:-[a-z]+)?$/, /^(?:base|strut|pstrut|vlist|vlist-(?:t2?|r|s)|thinbox|vbox|mord|mbin|mrel|mop|mopen|mclose|mpunct|minner|mspace|mtight|msupsub|mfrac|mathnormal|mathit|mathbf|mathrm|mathsf|mathtt|mathcal|mathfrak|mathscr|mathbb|mathboldsymbol|boldsymbol|amsrm|textrm|textbf|textit|textsf|texttt|text|nulldelimiter|frac-line|sqrt|svg-align|hide-tail|delimsizing|delimcenter|mult|accent|accent-body|accent-full|overline|underline|overline-line|underline-line|op-symbol|large-op|small-op|op-limits|col-align-[lcr]|arraycolsep|mtable|vertical-separator|boxpad|fbox|fcolorbox|cancel|sout|bcancel|xcancel|stretchy|halfarrow-left|halfarrow-right|brace-left|brace-center|brace-right|x-arrow|x-arrow-pad|root|newline|tag|eqn-num|mtr-glue|colorbox|anglpad|enclosing|rule|clap|llap|rlap|inner|fix|strut-bottom|smash|mover|munder|overlay|ams|size\d+|reset-size\d+|sizing|fontsize-ensurer|mathdefault|cd-vert-arrow|cd-arrow-pad|cd-label-left|cd-label-right)$/,
  ],
};

const SAFE_STYLE_PROPERTY = /^(?:height|width|min-width|max-width|vertical-align|margin-(?:left|right|top|bottom)|padding-(?:left|right|top|bottom)|top|bottom|left|right|position|border-(?:bottom|top|left|right)-width|border-(?:bottom|top|left|right)-style|border-width|border-style|border-color|color|background-color|text-align|display|font-size)$/;
const SAFE_STYLE_VALUE = /^[-+#.\w% ]*$/;

/** Only simple "property: value" declarations with inert values pass; no url(), expression(), escapes or comments. */
export function safeStyle(style: string): string | null {
  if (/[\\/@()<>"'`&]|\/\*/.test(style)) return null;
  const decls = style.split(";");
  for (const d of decls) {
    if (d.trim() === "") continue;
    const idx = d.indexOf(":");
    if (idx < 0) return null;
    const prop = d.slice(0, idx).trim().toLowerCase();
    const value = d.slice(idx + 1).trim();
    if (!SAFE_STYLE_PROPERTY.test(prop) || !SAFE_STYLE_VALUE.test(value)) return null;
  }
  return style;
}

const URL_ATTRIBUTES = ["href", "src", "data-src-fullsize", "data-original-src", "data-video-original-url"];
const NAMED_URL_ENTITIES: Record<string, string> = { colon: ":", tab: "\t", newline: "\n", amp: "&", quot: '"', apos: "'", lt: "<", gt: ">", sol: "/", num: "#", quest: "?" };

function decodeForSchemeCheck(v: string): string {
  return v
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCodePoint(Math.min(parseInt(h, 16), 0x10ffff)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCodePoint(Math.min(Number(d), 0x10ffff)))
    .replace(/&([a-z]+);?/gi, (m, n: string) => NAMED_URL_ENTITIES[n.toLowerCase()] ?? m);
}

/**
 * The parser runs with entity decoding off (to keep the renderer's escaping
 * byte-for-byte), so sanitize-html's own scheme check would see
 * "jav&#x09;ascript:" undecoded. URLs are therefore decoded here, the way a
 * browser will, and dropped unless the scheme is allowed.
 */
function urlAttributeIsSafe(value: string): boolean {
  const decoded = decodeForSchemeCheck(value);
  const beforePath = decoded.split(/[/?#]/)[0];
  if (/&[a-z0-9#]+;?/i.test(beforePath)) return false; // an entity we do not know, in scheme position
  return isSafeUrl(decoded);
}

function checkAttributes(tagName: string, attribs: sanitize.Attributes): sanitize.Tag {
  if (attribs.style !== undefined && safeStyle(attribs.style) === null) delete attribs.style;
  for (const name of URL_ATTRIBUTES) {
    if (attribs[name] !== undefined && !urlAttributeIsSafe(attribs[name])) delete attribs[name];
  }
  return { tagName, attribs };
}

const OPTIONS: sanitize.IOptions = {
  allowedTags: [
    "p", "br", "strong", "em", "del", "code", "pre", "div", "span", "a", "img", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr",
    "th", "td", "time", "video", "audio", "svg", "path", "line", ...MATHML_TAGS,
  ],
  allowedAttributes: {
    a: ["href", "title", "class", "data-stream-id", "target", "rel"],
    span: ["class", "style", "aria-hidden", "aria-label", "role", "title", "data-user-id", "data-user-group-id"],
    div: ["class", "aria-hidden", "data-code-language"],
    img: ["src", "alt", "title", "class", "data-src-fullsize", "data-original-dimensions", "data-original-content-type", "data-original-src"],
    time: ["datetime"],
    ol: ["start"],
    th: ["style"],
    td: ["style"],
    video: ["src", "preload", "data-video-original-url"],
    audio: ["src", "controls", "preload", "title"],
    svg: ["xmlns", "width", "height", "viewBox", "preserveAspectRatio", "style"],
    path: ["d"],
    line: ["x1", "y1", "x2", "y2", "stroke-width"],
    ...Object.fromEntries(MATHML_TAGS.map((t) => [t, MATHML_ATTRS])),
  },
  allowedClasses: SAFE_CLASSES,
  allowedSchemes: ["http", "https", "mailto", "tel", "sms"],
  allowedSchemesByTag: { img: ["http", "https"], video: ["http", "https"], audio: ["http", "https"] },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite", "data-src-fullsize", "data-original-src", "data-video-original-url"],
  allowProtocolRelative: false,
  allowedStyles: undefined,
  parseStyleAttributes: false,
  disallowedTagsMode: "escape",
  parser: { decodeEntities: false, lowerCaseAttributeNames: false },
  transformTags: {
    a: (tagName, attribs) => {
      checkAttributes(tagName, attribs);
      if (attribs.target !== undefined) {
        if (attribs.target === "_blank") attribs.rel = "noopener noreferrer";
        else delete attribs.target;
      } else {
        delete attribs.rel;
      }
      return { tagName, attribs };
    },
    "*": checkAttributes,
  },
};

export function sanitizeHtml(html: string): string {
  // sanitize-html writes void elements XHTML-style; Zulip emits HTML5 "<br>".
  // Literal ">" in text and attributes is always escaped, so " />" only ever
  // ends a tag here.
  return sanitize(html, OPTIONS).replace(/ \/>/g, ">");
}
