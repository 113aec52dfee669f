// Error reports to the operators (HEARTH_ADMINS), INLOOP's ADMINS: every error-level log
// record becomes a short email, rate-limited so an outage cannot flood the inbox. This
// module only formats and throttles; delivery is the mail queue's job, plugged in with
// setSender() (app.ts connects the email job queue; see docs/operations.md).
import { redact, type Logger } from "../lib/log.ts";

export interface ErrorMail {
  to: string[];
  subject: string;
  text: string;
}

export type ErrorSender = (mail: ErrorMail) => Promise<void> | void;

export class ErrorReporter {
  private sender: ErrorSender | null = null;
  private lastByKey = new Map<string, number>();
  private sentThisHour: number[] = [];
  suppressed = 0;

  constructor(
    private admins: string[],
    private opts: { perKeyIntervalMs?: number; maxPerHour?: number; now?: () => number } = {},
  ) {}

  get enabled() {
    return this.admins.length > 0 && this.sender !== null;
  }

  setSender(fn: ErrorSender | null) {
    this.sender = fn;
  }

  report(msg: string, fields: Record<string, unknown> = {}) {
    if (!this.enabled) return;
    const now = (this.opts.now ?? Date.now)();
    const key = msg + "|" + String((fields.err as Error | undefined)?.message ?? "");
    const last = this.lastByKey.get(key);
    this.sentThisHour = this.sentThisHour.filter((t) => now - t < 3_600_000);
    if ((last !== undefined && now - last < (this.opts.perKeyIntervalMs ?? 600_000)) || this.sentThisHour.length >= (this.opts.maxPerHour ?? 20)) {
      this.suppressed++;
      return;
    }
    this.lastByKey.set(key, now);
    this.sentThisHour.push(now);
    const rec = redact(fields) as Record<string, unknown>;
    const err = rec.err as { name?: string; message?: string; stack?: string } | undefined;
    const subject = `[hearth] ${msg}${err?.message ? `: ${err.message.split("\n")[0]!.slice(0, 120)}` : ""}`;
    const { err: _e, ...rest } = rec;
    const text = [`${msg}`, "", ...Object.entries(rest).map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`), "", err?.stack ?? ""].join("\n");
    void Promise.resolve()
      .then(() => this.sender?.({ to: this.admins, subject, text }))
      .catch(() => {}); // a failing mailer must never turn one error into two
  }
}

/** A logger whose error() also goes to the reporter. */
export function tapErrors(log: Logger, reporter: ErrorReporter): Logger {
  return {
    get level() {
      return log.level;
    },
    debug: (m, f) => log.debug(m, f),
    info: (m, f) => log.info(m, f),
    warn: (m, f) => log.warn(m, f),
    error: (m, f) => {
      log.error(m, f);
      reporter.report(m, f);
    },
    child: (fields) => tapErrors(log.child(fields), reporter),
  };
}
