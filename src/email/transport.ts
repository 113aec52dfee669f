// SMTP through nodemailer, configured by one URL (HEARTH_EMAIL_URL, Django's EMAIL_URL
// style) plus a TLS mode. With no URL, mail is logged instead of sent, so a fresh install
// works without a mail server and says so.
import nodemailer from "nodemailer";
import type { Config } from "../config/definition.ts";
import type { Logger } from "../lib/log.ts";

export interface OutgoingEmail {
  to: string | string[];
  /** default: the configured From */
  from?: string;
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** a stable Message-ID makes a re-sent copy (after a crash mid-send) recognisable as the same mail */
  messageId?: string;
  headers?: Record<string, string>;
}

export interface SentEmail {
  messageId: string;
  accepted: string[];
  rejected: string[];
}

export interface Mailer {
  /** false when no mail server is configured (mail is logged, not sent) */
  readonly configured: boolean;
  readonly from: string;
  send(mail: OutgoingEmail): Promise<SentEmail>;
  close(): void;
}

export function defaultFrom(config: Pick<Config, "emailFrom" | "externalHost" | "port">): string {
  if (config.emailFrom) return config.emailFrom;
  const host = (config.externalHost || "localhost").replace(/:\d+$/, "");
  return `Hearth <noreply@${host}>`;
}

/** nodemailer SMTP options from the URL and the TLS mode. */
export function smtpOptions(config: Pick<Config, "emailUrl" | "emailTls" | "emailTlsVerify">) {
  const u = new URL(config.emailUrl);
  const implicit = u.protocol === "smtps:";
  if (u.protocol !== "smtp:" && !implicit) throw new Error(`HEARTH_EMAIL_URL must be smtp:// or smtps://, not ${u.protocol}`);
  const mode = config.emailTls;
  const secure = mode === "tls" || (mode === "auto" && implicit);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    requireTLS: mode === "starttls",
    ignoreTLS: mode === "none",
    auth: u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined,
    tls: { rejectUnauthorized: config.emailTlsVerify },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  };
}

export function createMailer(config: Config, log: Logger): Mailer {
  const from = defaultFrom(config);
  if (!config.emailUrl) {
    return {
      configured: false,
      from,
      async send(mail) {
        log.warn("email not sent: HEARTH_EMAIL_URL is not configured", { to: mail.to, subject: mail.subject });
        return { messageId: mail.messageId ?? "", accepted: [], rejected: [] };
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(smtpOptions(config));
  return {
    configured: true,
    from,
    async send(mail) {
      const info = await transport.sendMail({
        from: mail.from ?? from,
        to: mail.to,
        replyTo: mail.replyTo,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
        headers: mail.headers,
      });
      return {
        messageId: info.messageId,
        accepted: (info.accepted ?? []).map(String),
        rejected: (info.rejected ?? []).map(String),
      };
    },
    close() {
      transport.close();
    },
  };
}
