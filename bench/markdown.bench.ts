// Markdown renderer benchmark: 10,000-character adversarial and ordinary
// messages. Each case runs for a bounded time; prints median / p95 / max ms.
// Run: node_modules/.bin/bun bench/markdown.bench.ts
import { Marked } from "marked";
import { renderMarkdown } from "../src/markdown/index.ts";

// Plain marked (GFM + breaks) on the same input, to separate the library's own
// cost from ours.
const plain = new Marked({ gfm: true, breaks: true });
function medianOf(fn: () => void, budgetMs: number): number {
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs && times.length < 100) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const N = 10_000;
const fit = (unit: string) => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);

const CASES: [string, string][] = [
  ["nested lists", fit("* a\n  * b\n    * c\n      * d\n        1. e\n")],
  ["deeply indented list", Array.from({ length: 400 }, (_, i) => " ".repeat(i * 2 % 60) + "* x").join("\n").slice(0, N)],
  ["emphasis runs (*)", fit("*a **b ***c")],
  ["unclosed emphasis", fit("*a ")],
  ["only asterisks", "*".repeat(N)],
  ["only underscores", "_".repeat(N)],
  ["only tildes", "~".repeat(N)],
  ["backtick runs", fit("`a ``b ```c ")],
  ["only backticks", "`".repeat(N)],
  ["open brackets", "[".repeat(N)],
  ["link-ish", fit("[a](b ")],
  ["nested quotes", ">".repeat(N)],
  ["dollar signs", "$".repeat(N)],
  ["colons (emoji scan)", fit(":a")],
  ["emoji names", fit(":smile: ")],
  ["unicode emoji", fit("👍🤷‍♀️")],
  ["bare URLs", fit("https://example.com/a_(b) ")],
  ["url-like parens", "http://x.com/" + "(".repeat(N - 13)],
  ["mentions", fit("@**Someone** ")],
  ["fences", fit("```\nx\n")],
  ["table", "a|b\n-|-\n" + fit("1|2\n").slice(0, N - 8)],
  ["html-ish", fit("<b>x</b>")],
  ["prose", fit("The quick brown fox jumps over the lazy dog, see https://example.com and **bold** text. ")],
];

const BUDGET_MS = 400; // per case
const rows: string[] = [];
let overallMax = 0;
for (const [name, input] of CASES) {
  renderMarkdown(input); // warm-up
  const times: number[] = [];
  const start = performance.now();
  while (performance.now() - start < BUDGET_MS && times.length < 200) {
    const t0 = performance.now();
    renderMarkdown(input, {
      linkifiers: [{ id: 1, pattern: "#(?P<id>[0-9]+)", urlTemplate: "https://t/{id}" }],
      userByName: (n) => ({ id: 1, fullName: n }),
    });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  overallMax = Math.max(overallMax, times[times.length - 1]);
  let base = NaN; // NaN = plain marked throws (e.g. stack overflow)
  try {
    base = medianOf(() => plain.parse(input), BUDGET_MS / 2);
  } catch {
    // reported as "crash"
  }
  rows.push(
    `| ${name} | ${input.length} | ${times.length} | ${q(0.5).toFixed(2)} | ${q(0.95).toFixed(2)} | ${times[times.length - 1].toFixed(2)} | ${Number.isNaN(base) ? "crash" : base.toFixed(2)} |`,
  );
}
const os = await import("node:os");
console.log(`bun ${Bun.version}, ${process.platform}/${process.arch}, ${os.cpus().length} CPU ${os.cpus()[0]?.model ?? ""}, load ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log("| case | chars | runs | median ms | p95 ms | max ms | plain marked median ms |\n|---|---|---|---|---|---|---|");
for (const r of rows) console.log(r);
console.log(`worst single render: ${overallMax.toFixed(2)} ms`);
