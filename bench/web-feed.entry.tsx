/** @jsxImportSource hono/jsx/dom */
// Bench page (bench/web.bench.ts): the real feed component over 10,000 loaded messages,
// measured in chromium: first render, sliding the window while scrolling up, live appends.
import { render } from "hono/jsx/dom";
import { applyEvent, addMessage, changed, state, useStore, type Message } from "../src/web/client/store.ts";
import { Feed, view } from "../src/web/client/feed.tsx";

const N = 10_000;
state.me = 1;
for (let u = 1; u <= 20; u++) state.users.set(u, { user_id: u, email: `u${u}@example.com`, full_name: `User ${u}` });
state.subs.set(1, { stream_id: 1, name: "general", color: "#76ce90" });
state.subs.set(2, { stream_id: 2, name: "random", color: "#e4a5a5" });
const base = 1_700_000_000;
const para = "<p>Lorem ipsum dolor sit amet, <strong>consectetur</strong> adipiscing elit, sed do eiusmod tempor incididunt ut labore.</p>";
function msg(id: number): Message {
  return {
    id, sender_id: 1 + (id % 7), sender_full_name: `User ${1 + (id % 7)}`, sender_email: "", avatar_url: null,
    content: id % 5 === 0 ? para + "<pre><code>const x = 1;\nconsole.log(x);</code></pre>" : para,
    timestamp: base + id * 30, type: "stream", stream_id: 1 + (Math.floor(id / 40) % 2), subject: `topic ${Math.floor(id / 40)}`,
    display_recipient: "general", flags: ["read"], reactions: id % 9 === 0 ? [{ emoji_name: "+1", emoji_code: "1f44d", reaction_type: "unicode_emoji", user_id: 2 }] : [],
  };
}
for (let i = 1; i <= N; i++) addMessage(msg(i));
state.feed = { narrow: { kind: "all" }, ids: Array.from({ length: N }, (_, i) => i + 1), foundOldest: true, foundNewest: true, loading: false, error: null, anchor: null };

function Root() {
  useStore();
  return <div style={{ height: "800px", display: "flex", flexDirection: "column" }}><Feed /></div>;
}
const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));

async function run() {
  const t0 = performance.now();
  render(<Root />, document.getElementById("app")!);
  await frame();
  const firstRender = performance.now() - t0;
  const feed = document.querySelector(".feed") as HTMLElement;
  const rowsInDom = () => document.querySelectorAll(".msg").length;
  // scroll up through 2,000 messages: every slide re-renders the window
  const slides: number[] = [];
  for (let i = 0; i < 40; i++) {
    const before = view.start;
    const s = performance.now();
    feed.scrollTop = 0;
    feed.dispatchEvent(new Event("scroll"));
    await frame();
    if (view.start !== before) slides.push(performance.now() - s);
  }
  const maxRows = rowsInDom();
  // back to the bottom, then 300 live messages one event each
  view.start = N - 150;
  view.end = N;
  view.atBottom = true;
  changed(); // re-render the window at the bottom
  await frame();
  feed.scrollTop = feed.scrollHeight;
  feed.dispatchEvent(new Event("scroll"));
  await frame();
  const appends: number[] = [];
  for (let i = 1; i <= 300; i++) {
    const s = performance.now();
    applyEvent({ type: "message", message: msg(N + i), flags: [] });
    await frame();
    appends.push(performance.now() - s);
  }
  const pct = (a: number[], p: number) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))] ?? 0;
  (window as any).results = {
    messages: N, firstRenderMs: firstRender, rowsInDom: maxRows, slides: slides.length,
    slideMedianMs: pct(slides, 0.5), slideP95Ms: pct(slides, 0.95),
    appendMedianMs: pct(appends, 0.5), appendP95Ms: pct(appends, 0.95), rowsAfterAppends: rowsInDom(),
  };
}
void run();
