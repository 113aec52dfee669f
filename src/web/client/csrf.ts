// The CSRF token for /json calls and the login form: Zulip's web client reads the
// `csrftoken` cookie and sends it back as the X-CSRFToken header.
export function csrfToken(): string {
  const m = /(?:^|;\s*)csrftoken=([^;]+)/.exec(document.cookie);
  if (m) return decodeURIComponent(m[1]!);
  return document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content ?? "";
}
