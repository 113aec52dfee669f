import { describe, expect, test } from "bun:test";
import { renderMarkdown, sanitizeHtml, type MarkdownLookups } from "../../src/markdown/index.ts";
import { findExecutableVector } from "./xss-check.ts";
import { XSS_PAYLOADS } from "./xss-payloads.ts";

// Lookups that make mentions, channel links, custom emoji, linkifiers and
// previews all active, so every code path that emits markup is exercised.
const lookups: Partial<MarkdownLookups> = {
  userByName: (n) => ({ id: 1, fullName: n }),
  userById: (id) => ({ id, fullName: `<b>user ${id}</b>` }),
  groupByName: (n) => ({ id: 2, name: n, description: "<script>alert(1)</script>" }),
  streamByName: (n) => ({ id: 3, name: n }),
  realmEmoji: (n) => ({ id: "1", sourceUrl: `javascript:alert('${n}')` }),
  linkifiers: [
    { id: 1, pattern: "#(?P<id>[0-9a-z]+)", urlTemplate: "javascript:alert({id})" },
    { id: 2, pattern: "T(?P<id>[0-9]+)", urlTemplate: "https://tracker/{id}" },
  ],
  realmUrl: "http://localhost:8080",
  imageProxyUrl: "/external_content",
  translateEmoticons: true,
};

describe("the vector detector itself", () => {
  // Guards against a detector that silently accepts everything.
  for (const bad of [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<img src="data:text/html,x">',
    '<span style="width: expression(alert(1))">x</span>',
    '<a href="https://x" target="_blank">x</a>',
    "<svg><animate onbegin=alert(1)>",
    "<iframe src=x>",
  ]) {
    test(`flags ${bad}`, () => expect(findExecutableVector(bad)).not.toBeNull());
  }
  test("accepts ordinary output", () => {
    expect(findExecutableVector('<p><a href="https://example.com">x</a> <span class="emoji emoji-1f642">:smile:</span></p>')).toBeNull();
  });
});

describe(`XSS corpus (${XSS_PAYLOADS.length} payloads)`, () => {
  test("corpus has at least 200 distinct payloads", () => {
    expect(new Set(XSS_PAYLOADS).size).toBeGreaterThanOrEqual(200);
  });
  const contexts: [string, (p: string) => string][] = [
    ["plain", (p) => p],
    ["link text", (p) => `[${p}](https://example.com)`],
    ["link target", (p) => `[x](${p})`],
    ["quote", (p) => `> ${p}`],
    ["list", (p) => `* ${p}`],
    ["spoiler", (p) => "```spoiler " + p + "\n" + p + "\n```"],
    ["math", (p) => `$$${p}$$`],
    ["table", (p) => `a | b\n--|--\n${p} | x`],
  ];
  for (const [name, wrap] of contexts) {
    test(`renderer output is inert: ${name}`, () => {
      const failures: string[] = [];
      for (const payload of XSS_PAYLOADS) {
        const html = renderMarkdown(wrap(payload), lookups).html;
        const v = findExecutableVector(html);
        if (v) failures.push(`${JSON.stringify(payload)} -> ${v}: ${html}`);
      }
      expect(failures).toEqual([]);
    });
  }
  test("sanitizer alone neutralises raw payloads", () => {
    const failures: string[] = [];
    for (const payload of XSS_PAYLOADS) {
      const html = sanitizeHtml(payload);
      const v = findExecutableVector(html);
      if (v) failures.push(`${JSON.stringify(payload)} -> ${v}: ${html}`);
    }
    expect(failures).toEqual([]);
  });
  test("target=_blank links get rel=noopener noreferrer", () => {
    expect(sanitizeHtml('<a href="https://x.example" target="_blank">x</a>')).toBe(
      '<a href="https://x.example" target="_blank" rel="noopener noreferrer">x</a>',
    );
  });
  test("dangerous schemes never survive the sanitizer", () => {
    for (const scheme of ["javascript:alert(1)", "data:text/html,x", "vbscript:x", "JaVaScRiPt:alert(1)"]) {
      expect(sanitizeHtml(`<a href="${scheme}">x</a>`)).toBe("<a>x</a>");
    }
  });
});

// Deterministic PRNG so a failure is reproducible from the printed seed.
function mulberry32(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  "*", "**", "***", "_", "~~", "`", "```", "~~~", "$$", "\n", "\n\n", " ", "  ", "> ", "* ", "1. ", "    ",
  "[", "]", "(", ")", "<", ">", "\"", "'", "&", "#", "# ", "@**", "@*", "#**", ":", ":smile:", "<time:", "|",
  "javascript:", "java\tscript:", "data:", "vbscript:", "http://", "https://x.example/a.png", "www.", "example.com",
  "<script>", "</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "onerror=", "style=",
  "expression(", "url(", "\\", "```spoiler ", "```quote", "```math", "```js", "\u0001", "0", "\u200d", "👍", "🤷‍♀️",
  "<a href=", "\">", "'>", "&#106;", "&lt;", "alert(1)", "/me ", "|---|", "$", "{", "}", "\\href{javascript:alert(1)}{x}",
];

describe("fuzz: random Markdown/HTML mixes", () => {
  test("2000 random documents render inert and fast", () => {
    const seed = 0x5eed;
    const rand = mulberry32(seed);
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      const n = 1 + Math.floor(rand() * 40);
      let doc = "";
      for (let j = 0; j < n; j++) doc += PIECES[Math.floor(rand() * PIECES.length)];
      const t0 = performance.now();
      const html = renderMarkdown(doc, lookups).html;
      worst = Math.max(worst, performance.now() - t0);
      const v = findExecutableVector(html);
      if (v) throw new Error(`seed ${seed} doc #${i} ${JSON.stringify(doc)} -> ${v}: ${html}`);
    }
    expect(worst).toBeLessThan(200);
  });
});
