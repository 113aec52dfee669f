// Login and first-run setup pages: submit with fetch so errors show inline without a
// reload; the forms still work as plain HTML forms without this script.
import { csrfToken } from "./csrf.ts";

function showError(msg: string) {
  const el = document.getElementById("form-error");
  if (!el) return;
  el.textContent = msg;
  el.hidden = false;
  (el as HTMLElement).focus?.();
}

async function errorText(res: Response): Promise<string> {
  try {
    const body = await res.json();
    if (body && typeof body.msg === "string" && body.msg) return body.msg;
  } catch {
    /* not JSON */
  }
  return res.status === 401 || res.status === 403 ? "Incorrect email or password." : `Something went wrong (HTTP ${res.status}).`;
}

/** POST /login (the session contract: form fields username + password). */
export async function login(username: string, password: string): Promise<{ ok: true } | { ok: false; msg: string }> {
  const body = new URLSearchParams({ username, password });
  const csrf = csrfToken();
  if (csrf) body.set("csrfmiddlewaretoken", csrf);
  const res = await fetch("/login", {
    method: "POST",
    body,
    credentials: "same-origin",
    headers: { accept: "application/json", ...(csrf ? { "x-csrftoken": csrf } : {}) },
    redirect: "manual",
  });
  // A redirect (opaque) or a 2xx both mean the session cookie was set.
  if (res.type === "opaqueredirect" || (res.status >= 200 && res.status < 400)) {
    if (res.headers.get("content-type")?.includes("json")) {
      const b = await res.json().catch(() => ({}));
      if (b.result === "error") return { ok: false, msg: b.msg || "Login failed." };
    }
    return { ok: true };
  }
  return { ok: false, msg: await errorText(res) };
}

function busy(form: HTMLFormElement, on: boolean) {
  const b = form.querySelector<HTMLButtonElement>("button[type=submit]");
  if (b) {
    b.disabled = on;
    b.setAttribute("aria-busy", String(on));
  }
}

const loginForm = document.getElementById("login-form") as HTMLFormElement | null;
loginForm?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(loginForm);
  const username = String(fd.get("username") ?? "").trim();
  const password = String(fd.get("password") ?? "");
  if (!username || !password) return showError("Enter your email and password.");
  busy(loginForm, true);
  try {
    const r = await login(username, password);
    if (r.ok) location.assign(loginForm.dataset.next || "/");
    else showError(r.msg);
  } catch {
    showError("Cannot reach the server. Check your connection and try again.");
  } finally {
    busy(loginForm, false);
  }
});

const setupForm = document.getElementById("setup-form") as HTMLFormElement | null;
setupForm?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(setupForm);
  for (const [k, label] of [["setup_token", "the setup token"], ["realm_name", "an organization name"], ["full_name", "your name"], ["email", "your email"], ["password", "a password"]]) {
    if (!String(fd.get(k!) ?? "").trim()) {
      document.getElementById(k!)?.focus();
      return showError(`Enter ${label}.`);
    }
  }
  busy(setupForm, true);
  try {
    const res = await fetch("/setup", { method: "POST", body: new URLSearchParams(fd as unknown as Record<string, string>), headers: { accept: "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok || body.result !== "success") return showError(body.msg || `Setup failed (HTTP ${res.status}).`);
    // The owner exists now: log straight in; if that fails, the login page takes over.
    const r = await login(String(fd.get("email")), String(fd.get("password"))).catch(() => ({ ok: false }) as const);
    location.assign(r.ok ? "/" : body.next || "/login");
  } catch {
    showError("Cannot reach the server. Check your connection and try again.");
  } finally {
    busy(setupForm, false);
  }
});

const joinForm = document.getElementById("join-form") as HTMLFormElement | null;
joinForm?.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const fd = new FormData(joinForm);
  const fullName = String(fd.get("full_name") ?? "").trim();
  const email = String(fd.get("email") ?? "").trim();
  const password = String(fd.get("password") ?? "");
  if (!fullName) return showError("Enter your name.");
  if (!password) return showError("Choose a password.");
  busy(joinForm, true);
  try {
    const body = new URLSearchParams({ full_name: fullName, password });
    if (email) body.set("email", email);
    const res = await fetch(joinForm.dataset.endpoint!, { method: "POST", body, headers: { accept: "application/json" } });
    const r = await res.json().catch(() => ({}));
    if (!res.ok || r.result !== "success") return showError(r.msg || `Could not create the account (HTTP ${res.status}).`);
    const l = await login(r.email ?? email, password).catch(() => ({ ok: false }) as const);
    location.assign(l.ok ? "/" : `/login?email=${encodeURIComponent(r.email ?? email)}`);
  } catch {
    showError("Cannot reach the server. Check your connection and try again.");
  } finally {
    busy(joinForm, false);
  }
});
