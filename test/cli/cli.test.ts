// The command-line contract, run as a user would: a separate process per command.
import { test, expect } from "bun:test";
import { mkdtempSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { DIALECTS, freshDatabase } from "../helpers/db.ts";

const root = join(import.meta.dir, "../..");
function hearth(args: string[], opts: { cwd: string; env?: Record<string, string>; stdin?: string }) {
  const r = Bun.spawnSync([process.execPath, join(root, "src/main.ts"), ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: opts.cwd, ...opts.env },
    stdin: opts.stdin !== undefined ? Buffer.from(opts.stdin) : undefined,
  });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

test("help and version", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hearth-cli-"));
  const h = hearth(["help"], { cwd });
  expect(h.code).toBe(0);
  for (const c of ["serve", "migrate", "init", "version", "realm create", "user create"]) expect(h.out).toContain(c);
  for (const c of [["serve"], ["migrate"], ["migrate", "status"], ["init"], ["user", "create"], ["realm", "create"], ["version"]]) {
    const r = hearth([...c, "--help"], { cwd });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: hearth ${c.join(" ")}`);
  }
  expect(hearth(["version"], { cwd }).out).toMatch(/^hearth \d+\.\d+\.\d+/);
  const bad = hearth(["frobnicate"], { cwd });
  expect(bad.code).toBe(2);
  expect(bad.err).toContain("unknown command");
});

test("init writes hearth.toml with a secret and refuses to overwrite without --force", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hearth-cli-"));
  expect(hearth(["init"], { cwd }).code).toBe(0);
  const first = readFileSync(join(cwd, "hearth.toml"), "utf8");
  expect(first).toMatch(/^secret_key = "[A-Za-z0-9_-]{40,}"$/m);
  const again = hearth(["init"], { cwd });
  expect(again.code).toBe(1);
  expect(again.err).toContain("--force");
  expect(readFileSync(join(cwd, "hearth.toml"), "utf8")).toBe(first);
  expect(hearth(["init", "--force"], { cwd }).code).toBe(0);
  expect(readFileSync(join(cwd, "hearth.toml"), "utf8")).not.toBe(first);
});

test("a malformed setting is one clear line, not a stack trace", () => {
  const cwd = mkdtempSync(join(tmpdir(), "hearth-cli-"));
  const r = hearth(["migrate", "status"], { cwd, env: { HEARTH_DATABASE_SSLMODE: "bogus" } });
  expect(r.code).toBe(2);
  expect(r.err.trim().split("\n")).toHaveLength(1);
  expect(r.err).toContain("HEARTH_DATABASE_SSLMODE");
});

for (const dialect of DIALECTS) {
  test(`user create on a fresh install, errors, and migrate status [${dialect}]`, async () => {
    const db = await freshDatabase(dialect);
    const cwd = db.dataDir;
    const env = { DATABASE_URL: db.url, HEARTH_DATA_DIR: join(cwd, "data") };
    try {
      const st0 = hearth(["migrate", "status"], { cwd, env });
      expect(st0.out).toContain("pending");
      const r = hearth(["user", "create", "--email", "Owner@Example.com", "--full-name", "The Owner", "--role", "owner", "--password-stdin", "--json"], {
        cwd, env, stdin: "correct horse battery\n",
      });
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j).toMatchObject({ email: "owner@example.com" });
      expect(j.api_key).toMatch(/^[A-Za-z0-9]{32}$/);
      const dup = hearth(["user", "create", "--email", "owner@example.com", "--full-name", "X"], { cwd, env });
      expect(dup.code).toBe(1);
      expect(dup.err).toContain("already in use");
      const role = hearth(["user", "create", "--email", "x@example.com", "--full-name", "X", "--role", "king"], { cwd, env });
      expect(role.code).toBe(2);
      expect(role.err).toContain("unknown role");
      const weak = hearth(["user", "create", "--email", "y@example.com", "--full-name", "Y", "--password", "short"], { cwd, env });
      expect(weak.code).toBe(1);
      expect(weak.err).toContain("too short");
      const bademail = hearth(["user", "create", "--email", "not-an-email", "--full-name", "Y"], { cwd, env });
      expect(bademail.code).toBe(1);
      const norealm = hearth(["user", "create", "--email", "z@example.com", "--full-name", "Z", "--realm", "acme"], { cwd, env });
      expect(norealm.code).toBe(1);
      expect(hearth(["realm", "create", "--name", "Acme", "--subdomain", "acme"], { cwd, env }).code).toBe(0);
      expect(hearth(["user", "create", "--email", "z@example.com", "--full-name", "Z", "--realm", "acme"], { cwd, env }).code).toBe(0);
      const st = hearth(["migrate", "status"], { cwd, env });
      expect(st.code).toBe(0);
      expect(st.out).toContain("0 pending");
      if (dialect === "sqlite") expect(existsSync(join(cwd, "data", "hearth.db"))).toBe(true);
    } finally {
      await db.drop();
    }
  }, 60_000);
}
