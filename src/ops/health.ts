// Kinto-style dependency checks behind /__heartbeat__: each named check answers true or
// false (a throw or a timeout is false) and the endpoint answers 200 only when all pass.
// The list is pluggable: areas register their own (S3, SMTP…) by name; a later
// registration under the same name replaces the earlier one (S3 replaces the local
// uploads check, for instance).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:net";
import { connect as tlsConnect } from "node:tls";

export type HealthCheck = () => Promise<boolean | void> | boolean | void;

export interface CheckResult {
  ok: boolean;
  results: Record<string, boolean>;
  /** why each failing check failed (logged, never sent to the client) */
  errors: Record<string, string>;
}

export class HealthChecks {
  private checks = new Map<string, HealthCheck>();
  constructor(private timeoutMs = 5000) {}

  register(name: string, fn: HealthCheck) {
    this.checks.set(name, fn);
  }

  unregister(name: string) {
    this.checks.delete(name);
  }

  names() {
    return [...this.checks.keys()];
  }

  async run(): Promise<CheckResult> {
    const results: Record<string, boolean> = {};
    const errors: Record<string, string> = {};
    await Promise.all(
      [...this.checks].map(async ([name, fn]) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${this.timeoutMs} ms`)), this.timeoutMs)));
          const r = await Promise.race([Promise.resolve().then(fn), timeout]);
          results[name] = r !== false;
          if (r === false) errors[name] = "check returned false";
        } catch (e) {
          results[name] = false;
          errors[name] = (e as Error)?.message ?? String(e);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ok: Object.values(results).every(Boolean), results, errors };
  }
}

/** The local upload directory exists (or can be created) and accepts a file. */
export function uploadDirCheck(dir: string): HealthCheck {
  return () => {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.heartbeat-${process.pid}`);
    writeFileSync(probe, "ok");
    rmSync(probe, { force: true });
    return true;
  };
}

/**
 * An SMTP server answers its 220 greeting. The mail area registers this when SMTP is
 * configured: health.register("smtp", smtpCheck({host, port, secure})).
 */
export function smtpCheck(opts: { host: string; port: number; secure?: boolean; timeoutMs?: number }): HealthCheck {
  return () =>
    new Promise<boolean>((resolve, reject) => {
      const sock = opts.secure
        ? tlsConnect({ host: opts.host, port: opts.port, servername: opts.host })
        : connect({ host: opts.host, port: opts.port });
      let buf = "";
      const done = (err: Error | null) => {
        sock.removeAllListeners();
        sock.on("error", () => {});
        try {
          sock.end("QUIT\r\n");
        } catch {}
        sock.destroy();
        err ? reject(err) : resolve(true);
      };
      sock.setTimeout(opts.timeoutMs ?? 4000, () => done(new Error("SMTP greeting timed out")));
      sock.on("error", (e) => done(e));
      sock.on("data", (d) => {
        buf += d.toString();
        if (buf.includes("\n")) done(/^220[ -]/.test(buf) ? null : new Error(`unexpected SMTP greeting: ${buf.slice(0, 80).trim()}`));
      });
    });
}
