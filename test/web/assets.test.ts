// The committed asset module is what the client sources build to, and the first-load
// JavaScript stays inside the budget (150 KB gzipped).
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildWebAssets, JS_BUDGET_GZIP } from "../../scripts/build-web.ts";

test("src/web/assets.gen.ts is up to date with src/web/client", async () => {
  const { source } = await buildWebAssets();
  const committed = readFileSync(join(import.meta.dir, "../../src/web/assets.gen.ts"), "utf8");
  expect(committed === source).toBe(true);
});

test("first-load JavaScript is within budget", async () => {
  const { sizes } = await buildWebAssets();
  expect(sizes["app.js"]!.gzip).toBeLessThan(JS_BUDGET_GZIP);
  expect(sizes["auth.js"]!.gzip).toBeLessThan(20 * 1024);
});
