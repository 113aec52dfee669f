// The emphasis search is bounded (300 characters, 16 delimiter runs from each opening) so
// that lines dense with asterisks render in bounded time; ordinary emphasis must not notice.
import { test, expect } from "bun:test";
import { renderMarkdown } from "../../src/markdown/index.ts";

test("many emphasis spans on one line all render", () => {
  const line = Array.from({ length: 40 }, (_, i) => `*w${i}* **s${i}**`).join(" ");
  const html = renderMarkdown(line).html;
  expect(html.match(/<em>/g)?.length).toBe(40);
  expect(html.match(/<strong>/g)?.length).toBe(40);
});

test("a long bold sentence with inner italics still renders", () => {
  const inner = Array.from({ length: 6 }, (_, i) => `word *it${i}* more`).join(" ");
  const html = renderMarkdown(`**${inner} and a long tail of plain words to pass two hundred characters in total length**`).html;
  expect(html.startsWith("<p><strong>")).toBe(true);
  expect(html.match(/<em>/g)?.length).toBe(6);
});

test("a line dense with delimiters renders quickly and keeps its text", () => {
  const src = "*a **b ***c ".repeat(900);
  const t0 = performance.now();
  const r = renderMarkdown(src);
  expect(performance.now() - t0).toBeLessThan(2000); // a hang guard, not a benchmark
  // Every letter survives, whether its asterisks became emphasis or stayed literal.
  for (const ch of ["a", "b", "c"]) expect(r.text.split(ch).length - 1).toBe(900);
});
