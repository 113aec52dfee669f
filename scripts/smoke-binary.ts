// The binary smoke test (.ci/run runs it after `npm run build`): copy dist/hearth into an
// empty directory with no node_modules and use it as an operator would: version,
// user create, serve, then /ready, /api/v1/server_settings and an authenticated call.
import { copyFileSync, mkdtempSync, chmodSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const root = join(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "hearth-smoke-"));
const bin = join(dir, "hearth");
copyFileSync(join(root, "dist/hearth"), bin);
chmodSync(bin, 0o755);
const env = { PATH: "/usr/bin:/bin", HOME: dir };
let passed = 0;
let failed = 0;
function check(name: string, ok: boolean, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${!ok && detail ? `\n     ${detail}` : ""}`);
}
function run(args: string[]) {
  const r = Bun.spawnSync([bin, ...args], { cwd: dir, env });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
}

try {
  const v = run(["version"]);
  check("version", v.code === 0 && /^hearth \d/.test(v.out), v.err);
  const u = run(["user", "create", "--email", "smoke@example.com", "--full-name", "Smoke Test", "--role", "owner", "--json"]);
  let key = "";
  try {
    key = JSON.parse(u.out).api_key;
  } catch {}
  check("user create --json prints an API key", u.code === 0 && /^[A-Za-z0-9]{32}$/.test(key), u.err);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const server = Bun.spawn([bin, "serve", "--port", String(port)], { cwd: dir, env, stdout: "pipe", stderr: "pipe" });
  const base = `http://127.0.0.1:${port}`;
  let ready: Response | null = null;
  for (let i = 0; i < 100 && !ready; i++) {
    try {
      const r = await fetch(`${base}/ready`);
      if (r.status === 200) ready = r;
    } catch {}
    if (!ready) await Bun.sleep(100);
  }
  check("serve answers /ready", ready !== null);
  const s = await fetch(`${base}/api/v1/server_settings`).then((r) => r.json()).catch(() => ({}));
  check("GET /api/v1/server_settings", s.result === "success" && typeof s.zulip_feature_level === "number", JSON.stringify(s));
  const me = await fetch(`${base}/api/v1/users/me`, {
    headers: { authorization: "Basic " + Buffer.from(`smoke@example.com:${key}`).toString("base64") },
  }).then((r) => r.json()).catch(() => ({}));
  check("Basic email:api_key authenticates", me.result === "success" && me.email === "smoke@example.com", JSON.stringify(me));
  server.kill("SIGTERM");
  const code = await server.exited;
  check("SIGTERM stops the server cleanly", code === 0, `exit ${code}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
