// Configuration: flags > environment > hearth.toml > defaults; bad values give one line
// naming the setting; secrets are generated once with mode 0600.
import { test, expect } from "bun:test";
import { mkdtempSync, writeFileSync, statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { loadConfig, ensureSecrets, ConfigError, renderConfigFile } from "../../src/config/load.ts";

const dir = () => mkdtempSync(join(tmpdir(), "hearth-cfg-"));

test("with nothing set: SQLite in ./data, 127.0.0.1:8080", () => {
  const c = loadConfig({ env: {}, configFile: null });
  expect(c.port).toBe(8080);
  expect(c.host).toBe("127.0.0.1");
  expect(c.databaseUrl).toBe("");
  expect(c.dataDir.endsWith("/data")).toBe(true);
  expect(c.sources.port).toBe("default");
});

test("flag beats environment beats file beats default", () => {
  const d = dir();
  const file = join(d, "hearth.toml");
  writeFileSync(file, 'port = 1111\nhost = "0.0.0.0"\nlog_level = "warn"\n');
  const c = loadConfig({ env: { PORT: "2222", HOST: "10.0.0.1" }, flags: { port: "3333" }, configFile: file });
  expect([c.port, c.sources.port]).toEqual([3333, "flag"]);
  expect([c.host, c.sources.host]).toEqual(["10.0.0.1", "env"]);
  expect([c.logLevel, c.sources.logLevel]).toEqual(["warn", "file"]);
});

test("malformed values are one-line errors naming the setting", () => {
  const bad = (env: Record<string, string>) => {
    try {
      loadConfig({ env, configFile: null });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).not.toContain("\n");
      return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
  };
  expect(bad({ PORT: "eighty" })).toContain("PORT");
  expect(bad({ PORT: "70000" })).toContain("at most 65535");
  expect(bad({ HEARTH_DATABASE_SSLMODE: "sometimes" })).toContain("HEARTH_DATABASE_SSLMODE");
  expect(bad({ DATABASE_URL: "not a url" })).toContain("DATABASE_URL");
  expect(bad({ DATABASE_URL: "mysql://x/y" })).toContain("unsupported scheme");
});

test("an unknown key in hearth.toml is refused", () => {
  const d = dir();
  const file = join(d, "hearth.toml");
  writeFileSync(file, "prot = 1\n");
  expect(() => loadConfig({ env: {}, configFile: file })).toThrow(/unknown setting "prot"/);
});

test("secrets are generated once into the data directory with mode 0600", () => {
  const d = dir();
  const c = loadConfig({ env: { HEARTH_DATA_DIR: d }, configFile: null });
  const a = ensureSecrets(c);
  const b = ensureSecrets(c);
  expect(a.secretKey.length).toBeGreaterThan(30);
  expect(b.secretKey).toBe(a.secretKey);
  expect(statSync(join(d, "secrets.json")).mode & 0o777).toBe(0o600);
  expect(JSON.parse(readFileSync(join(d, "secrets.json"), "utf8")).secret_key).toBe(a.secretKey);
});

test("a rendered config file loads back", () => {
  const d = dir();
  const file = join(d, "hearth.toml");
  writeFileSync(file, renderConfigFile({ secretKey: "s3cret", port: 9999 }));
  const c = loadConfig({ env: {}, configFile: file });
  expect([c.secretKey, c.port]).toEqual(["s3cret", 9999]);
});
