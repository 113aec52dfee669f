// Browser tests' harness: a real `hearth serve` process on loopback (the compiled binary
// when HEARTH_E2E_BIN points at it, else `bun src/main.ts serve`), Debian's chromium
// through playwright-core, and axe-core injected for accessibility audits.
import { chromium, type Browser, type Page } from "playwright-core";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Subprocess } from "bun";
import { freshDatabase, type FreshDb, type TestDialect } from "../helpers/db.ts";

export const CHROMIUM = process.env.HEARTH_CHROMIUM || "/usr/bin/chromium";
export const ROOT = join(import.meta.dir, "../..");

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI === "true" || process.env.CI === "1") throw new Error(`browser tests need ${CHROMIUM} under CI (scripts/ensure-chromium.sh installs it)`);
  console.warn(`\n*** SKIPPING the browser tests: ${CHROMIUM} is missing (apt-get install -y chromium). ***\n`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
  });
}

function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const p = s.port!;
  s.stop(true);
  return p;
}

export class HearthProcess {
  proc: Subprocess | null = null;
  out = "";
  port = freePort();
  dataDir = mkdtempSync(join(tmpdir(), "hearth-e2e-"));
  db!: FreshDb;
  constructor(readonly dialect: TestDialect) {}
  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    this.db ??= await freshDatabase(this.dialect);
    const bin = process.env.HEARTH_E2E_BIN;
    const cmd = bin ? [bin, "serve"] : [process.execPath, join(ROOT, "src/main.ts"), "serve"];
    this.proc = Bun.spawn(cmd, {
      cwd: this.dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: this.dataDir,
        PORT: String(this.port),
        HOST: "127.0.0.1",
        HEARTH_DATA_DIR: join(this.dataDir, "data"),
        HEARTH_LOG_FORMAT: "json",
        HEARTH_LOG_LEVEL: "info",
        // the browser tests log in and call fetch_api_key more often than a person would;
        // the limits themselves are tested by the people area (test/api/auth.test.ts)
        HEARTH_AUTH_RATE_LIMIT_PER_MINUTE: "200",
        HEARTH_RATE_LIMIT_PER_MINUTE: "5000",
        ...(this.db.url ? { DATABASE_URL: this.db.url } : {}),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    void this.collect(this.proc.stdout as ReadableStream<Uint8Array>);
    void this.collect(this.proc.stderr as ReadableStream<Uint8Array>);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${this.url}/health`);
        if (r.ok) return;
      } catch {
        /* not yet */
      }
      if (this.proc.exitCode !== null) throw new Error(`hearth exited ${this.proc.exitCode}:\n${this.out}`);
      await Bun.sleep(100);
    }
    throw new Error(`hearth did not start:\n${this.out}`);
  }

  private async collect(s: ReadableStream<Uint8Array>) {
    const dec = new TextDecoder();
    const reader = s.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      this.out += dec.decode(value, { stream: true });
    }
  }

  /** The first-run setup token from the server log. */
  async setupToken(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const m = /setup token ([A-Za-z0-9_-]+)/.exec(this.out);
      if (m) return m[1]!;
      await Bun.sleep(50);
    }
    throw new Error(`no setup token in the log:\n${this.out}`);
  }

  async stop() {
    if (!this.proc) return;
    this.proc.kill("SIGTERM");
    await Promise.race([this.proc.exited, Bun.sleep(10000)]);
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
    this.proc = null;
  }

  async destroy() {
    await this.stop();
    await this.db?.drop().catch(() => {});
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

const AXE = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");

/** Runs axe-core in the page; returns the serious and critical violations. */
export async function axeAudit(page: Page): Promise<{ id: string; impact: string; help: string; nodes: string[] }[]> {
  // injected through the DevTools protocol, so the page's CSP does not apply to it
  await page.evaluate(AXE);
  const res = await page.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ["violations"], runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n: any) => n.target.join(" ")) }));
  });
  return (res as any[]).filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(ROOT, "docs/screenshots", `${name}.png`) });
}

/** Calls the server's /api/v1 as a Zulip client would. */
export async function apiAs(base: string, who: { email: string; key: string } | null, method: string, path: string, params: Record<string, unknown> = {}) {
  const url = new URL(`${base}/api/v1${path}`);
  const headers: Record<string, string> = {};
  if (who) headers.authorization = "Basic " + Buffer.from(`${who.email}:${who.key}`).toString("base64");
  const enc = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
  let body: URLSearchParams | undefined;
  if (method === "GET") for (const [k, v] of Object.entries(params)) url.searchParams.set(k, enc(v));
  else body = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, enc(v)]));
  const r = await fetch(url, { method, headers, body });
  const json = (await r.json().catch(() => ({}))) as any;
  if (!r.ok || json.result !== "success") throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(json)}`);
  return json;
}
