import { expect, test } from "bun:test";
import { renderMarkdown } from "../../src/markdown/index.ts";

// Regression guard against quadratic/exponential blow-ups on maximum-size
// messages. The bound is loose because CI machines are shared; the real
// numbers are in docs/performance-markdown.md (bench/markdown.bench.ts).
const N = 10_000;
const fit = (unit: string) => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
const INPUTS: [string, string][] = [
  ["emphasis runs", fit("*a **b ***c")],
  ["nested quotes", ">".repeat(N)],
  ["open brackets", "[".repeat(N)],
  ["nested lists", fit("* a\n  * b\n    * c\n      * d\n        1. e\n")],
  ["backticks", fit("`a ``b ```c ")],
  ["url parens", "http://x.com/" + "(".repeat(N - 13)],
  ["dollars", "$".repeat(N)],
];

for (const [name, input] of INPUTS) {
  test(`10k-char ${name} renders in bounded time`, () => {
    const t0 = performance.now();
    const out = renderMarkdown(input);
    const ms = performance.now() - t0;
    expect(out.html.length).toBeGreaterThan(0);
    expect(ms).toBeLessThan(1500);
  });
}
