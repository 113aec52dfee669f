// Email templates: every email has a text part and an HTML part. Template code builds HTML
// only from escaped strings and from message HTML that goes through `sanitizeEmailHtml`
// (the rendered content is already sanitized when it is stored; mail clients are a
// different context — no scripts, no forms, absolute links — so it is cleaned again).
import sanitizeHtml from "sanitize-html";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Message HTML for a mail client: a conservative allow-list, links made absolute. */
export function sanitizeEmailHtml(html: string, baseUrl: string): string {
  const absolute = (href: string | undefined) => {
    if (!href) return href;
    try {
      return new URL(href, baseUrl.endsWith("/") ? baseUrl : baseUrl + "/").toString();
    } catch {
      return undefined;
    }
  };
  return sanitizeHtml(html, {
    allowedTags: [
      "p", "br", "a", "strong", "b", "em", "i", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li",
      "h1", "h2", "h3", "h4", "h5", "h6", "hr", "span", "div", "table", "thead", "tbody", "tr", "th", "td", "img", "sup", "sub",
    ],
    allowedAttributes: { a: ["href", "title"], img: ["src", "alt", "title", "width", "height"], span: ["title"], td: ["align"], th: ["align"] },
    allowedSchemes: ["http", "https", "mailto"],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, href: absolute(attribs.href) ?? "" } }),
      img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, src: absolute(attribs.src) ?? "" } }),
    },
  });
}

/** The HTML frame every email shares; `body` must already be safe HTML. */
export function layout(o: { title: string; body: string; footer: string }): string {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(o.title)}</title></head>
<body style="margin:0;padding:0;background:#f5f5f5;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#222">
<div style="max-width:640px;margin:0 auto;padding:24px;background:#fff">
${o.body}
<hr style="border:none;border-top:1px solid #ddd;margin:24px 0 12px">
<p style="font-size:12px;color:#777">${escapeHtml(o.footer)}</p>
</div></body></html>`;
}

function button(href: string, label: string) {
  return `<p><a href="${escapeHtml(href)}" style="display:inline-block;padding:8px 16px;background:#2d6a4f;color:#fff;text-decoration:none;border-radius:4px">${escapeHtml(label)}</a></p>`;
}

// ------------------------------------------------------------------ missed messages

export interface MissedMessageView {
  id: number;
  senderName: string;
  /** UNIX seconds or a Date */
  timestamp: number | Date;
  /** raw Markdown, for the text part */
  content: string;
  /** sanitized rendered HTML, for the HTML part */
  renderedContent: string;
}

export interface ConversationView {
  /** "#design > logo" or "Alice, Bob" */
  title: string;
  kind: "stream" | "direct";
  /** reply-by-link: the conversation in the web app */
  url: string;
  messages: MissedMessageView[];
}

export function missedMessagesEmail(o: {
  realmName: string;
  realmUrl: string;
  recipientName: string;
  conversations: ConversationView[];
  settingsUrl: string;
}): RenderedEmail {
  const total = o.conversations.reduce((n, c) => n + c.messages.length, 0);
  const subject =
    o.conversations.length === 1
      ? o.conversations[0]!.kind === "direct"
        ? `DMs with ${o.conversations[0]!.title}`
        : o.conversations[0]!.title
      : `${total} unread messages in ${o.realmName}`;
  const text: string[] = [`Hi ${o.recipientName},`, "", `You have unread messages in ${o.realmName}:`, ""];
  const html: string[] = [
    `<p>Hi ${escapeHtml(o.recipientName)},</p>`,
    `<p>You have unread messages in <a href="${escapeHtml(o.realmUrl)}">${escapeHtml(o.realmName)}</a>:</p>`,
  ];
  for (const c of o.conversations) {
    text.push(`== ${c.title} ==`, "");
    html.push(`<h3 style="margin:20px 0 8px;font-size:15px">${escapeHtml(c.title)}</h3>`);
    for (const m of c.messages) {
      const when = formatTime(m.timestamp);
      text.push(`${m.senderName} (${when}):`, m.content, "");
      html.push(
        `<div style="margin:0 0 12px;padding-left:10px;border-left:3px solid #ccc">` +
          `<div style="font-size:13px;color:#555"><strong>${escapeHtml(m.senderName)}</strong> · ${escapeHtml(when)}</div>` +
          `<div>${sanitizeEmailHtml(m.renderedContent, o.realmUrl)}</div></div>`,
      );
    }
    text.push(`Reply: ${c.url}`, "");
    html.push(button(c.url, c.kind === "direct" ? "Reply" : "Reply in this topic"));
  }
  const footer = `You are receiving this because you were mentioned or sent a direct message while away. Notification settings: ${o.settingsUrl}`;
  text.push("--", footer);
  return { subject, text: text.join("\n"), html: layout({ title: subject, body: html.join("\n"), footer }) };
}

// ------------------------------------------------------------------ account emails
// Used by the areas that own invitations, password reset and logins: they render here and
// enqueue the result with `enqueueEmail` (src/jobs/handlers/email.ts).

export function invitationEmail(o: { realmName: string; inviterName: string; acceptUrl: string; customText?: string }): RenderedEmail {
  const subject = `${o.inviterName} invited you to join ${o.realmName}`;
  const text = [
    `${o.inviterName} has invited you to join ${o.realmName}.`,
    ...(o.customText ? ["", o.customText] : []),
    "",
    `Accept the invitation: ${o.acceptUrl}`,
  ].join("\n");
  const body = [
    `<p><strong>${escapeHtml(o.inviterName)}</strong> has invited you to join <strong>${escapeHtml(o.realmName)}</strong>.</p>`,
    o.customText ? `<blockquote>${escapeHtml(o.customText)}</blockquote>` : "",
    button(o.acceptUrl, "Accept invitation"),
  ].join("\n");
  return { subject, text, html: layout({ title: subject, body, footer: "If you did not expect this invitation, you can ignore this email." }) };
}

export function passwordResetEmail(o: { realmName: string; resetUrl: string; email: string }): RenderedEmail {
  const subject = `Reset your ${o.realmName} password`;
  const text = `Someone (hopefully you) asked to reset the password of ${o.email} on ${o.realmName}.\n\nSet a new password: ${o.resetUrl}\n\nIf you did not ask for this, ignore this email; your password is unchanged.`;
  const body = `<p>Someone (hopefully you) asked to reset the password of <strong>${escapeHtml(o.email)}</strong> on ${escapeHtml(o.realmName)}.</p>${button(o.resetUrl, "Set a new password")}`;
  return { subject, text, html: layout({ title: subject, body, footer: "If you did not ask for this, ignore this email; your password is unchanged." }) };
}

export function newLoginEmail(o: { realmName: string; userName: string; when: Date; device: string; ip: string }): RenderedEmail {
  const subject = `New login to ${o.realmName}`;
  const when = o.when.toUTCString();
  const text = `Hi ${o.userName},\n\nYour account on ${o.realmName} was logged in to from ${o.device} (${o.ip}) at ${when}.\n\nIf this was not you, change your password now.`;
  const body = `<p>Hi ${escapeHtml(o.userName)},</p><p>Your account on ${escapeHtml(o.realmName)} was logged in to from <strong>${escapeHtml(o.device)}</strong> (${escapeHtml(o.ip)}) at ${escapeHtml(when)}.</p><p>If this was not you, change your password now.</p>`;
  return { subject, text, html: layout({ title: subject, body, footer: "Hearth sends this notice for every new login." }) };
}

function formatTime(t: number | Date): string {
  const d = typeof t === "number" ? new Date(t * 1000) : t;
  return d.toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

// ------------------------------------------------------------------ digest (skeleton)

export interface DigestView {
  realmName: string;
  realmUrl: string;
  recipientName: string;
  /** the busiest conversations while the user was away */
  hotConversations: { title: string; url: string; messageCount: number; senders: string[]; preview: string }[];
  newStreams: { name: string; url: string; description: string }[];
  newUsers: string[];
  settingsUrl: string;
}

export function digestEmail(o: DigestView): RenderedEmail {
  const subject = `${o.realmName} digest`;
  const text: string[] = [`Hi ${o.recipientName},`, "", `Here is what happened in ${o.realmName} while you were away.`, ""];
  const html: string[] = [
    `<p>Hi ${escapeHtml(o.recipientName)},</p>`,
    `<p>Here is what happened in <a href="${escapeHtml(o.realmUrl)}">${escapeHtml(o.realmName)}</a> while you were away.</p>`,
  ];
  if (o.hotConversations.length) {
    text.push("Hot conversations:");
    html.push(`<h3 style="font-size:15px">Hot conversations</h3><ul>`);
    for (const c of o.hotConversations) {
      text.push(`- ${c.title} (${c.messageCount} messages, ${c.senders.join(", ")}): ${c.url}`, `  ${c.preview}`);
      html.push(
        `<li><a href="${escapeHtml(c.url)}">${escapeHtml(c.title)}</a> — ${c.messageCount} messages from ${escapeHtml(c.senders.join(", "))}<br><span style="color:#555">${escapeHtml(c.preview)}</span></li>`,
      );
    }
    text.push("");
    html.push("</ul>");
  }
  if (o.newStreams.length) {
    text.push("New channels:", ...o.newStreams.map((s) => `- #${s.name}: ${s.description} ${s.url}`), "");
    html.push(
      `<h3 style="font-size:15px">New channels</h3><ul>${o.newStreams.map((s) => `<li><a href="${escapeHtml(s.url)}">#${escapeHtml(s.name)}</a> ${escapeHtml(s.description)}</li>`).join("")}</ul>`,
    );
  }
  if (o.newUsers.length) {
    text.push(`New members: ${o.newUsers.join(", ")}`, "");
    html.push(`<h3 style="font-size:15px">New members</h3><p>${escapeHtml(o.newUsers.join(", "))}</p>`);
  }
  const footer = `You are receiving this because you have been away. Turn digests off: ${o.settingsUrl}`;
  text.push("--", footer);
  return { subject, text: text.join("\n"), html: layout({ title: subject, body: html.join("\n"), footer }) };
}
