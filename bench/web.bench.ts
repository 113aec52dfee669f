// The web feed at 10,000 loaded messages, in Debian's chromium (headless): time to first
// render, time per window slide while scrolling up, time per live message appended.
// Loopback only, ~10 s. Writes docs/performance-web.md.
import { join } from "node:path";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { launchBrowser } from "../test/web/harness.ts";

const root = join(import.meta.dir, "..");
const built = await Bun.build({ entrypoints: [join(import.meta.dir, "web-feed.entry.tsx")], target: "browser", minify: true });
if (!built.success) throw new Error(built.logs.join("\n"));
const js = await built.outputs[0]!.text();
const css = readFileSync(join(root, "src/web/client/styles.css"), "utf8");
const server = Bun.serve({
  port: 0, hostname: "127.0.0.1",
  fetch(req) {
    const p = new URL(req.url).pathname;
    if (p === "/b.js") return new Response(js, { headers: { "content-type": "text/javascript" } });
    if (p === "/b.css") return new Response(css, { headers: { "content-type": "text/css" } });
    return new Response(`<!doctype html><html data-theme="light"><head><link rel="stylesheet" href="/b.css"><script type="module" src="/b.js"></script></head><body><div id="app"></div></body></html>`, { headers: { "content-type": "text/html" } });
  },
});
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(`http://127.0.0.1:${server.port}/`);
await page.waitForFunction(() => (window as any).results, null, { timeout: 120000 });
const r = await page.evaluate(() => (window as any).results);
const load = loadavg()[0]!.toFixed(1);
await browser.close();
server.stop(true);
const f = (n: number) => n.toFixed(1);
console.log(r);
const md = `# Web client performance

Measured by \`bun bench/web.bench.ts\` (the real feed component, bundled as in production, in
Debian's chromium headless on this machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, shared
with other work: load average ${load} during the run, so absolute times are pessimistic).
The page holds **${r.messages.toLocaleString("en")} loaded messages** (stream messages with
paragraphs, code blocks and reactions, recipient bars every 40 messages).

| what | result |
| --- | --- |
| first render of the feed | ${f(r.firstRenderMs)} ms |
| message rows in the DOM (window) | ${r.rowsInDom} (of ${r.messages.toLocaleString("en")}) |
| window slide while scrolling up (${r.slides} slides) | median ${f(r.slideMedianMs)} ms, p95 ${f(r.slideP95Ms)} ms |
| one live message appended (300 events) | median ${f(r.appendMedianMs)} ms, p95 ${f(r.appendP95Ms)} ms |
| rows in the DOM after the appends | ${r.rowsAfterAppends} |

Times include one animation frame (≈16 ms at 60 Hz), so anything near 16–20 ms means
"done within the next frame". The DOM never holds more than the window (MAX_ROWS = 200
messages plus their recipient bars), whatever the number of loaded messages: that is what
keeps scrolling smooth at 10,000 messages (\`src/web/client/feed.tsx\`).

A slide renders ${"60"} new rows and drops as many; its cost is proportional to that step
(measured: halving the step halves the slide time), i.e. well under a millisecond a row.

First-load JavaScript (\`scripts/build-web.ts\`, budget 150 KB gzipped): see the sizes the
build prints; \`test/web/assets.test.ts\` fails the build over budget.
`;
writeFileSync(join(root, "docs/performance-web.md"), md);
