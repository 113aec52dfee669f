/** @jsxImportSource hono/jsx */
// Server-rendered pages (hono/jsx on the server): the app shell, login, first-run setup.
// Everything user-controlled (organization names, e-mails in forms) goes through JSX's
// escaping; page data for scripts travels as a JSON data block, never as inline script.
import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { assetUrl } from "./assets.ts";
import { MIN_PASSWORD_LENGTH } from "../../domain/validate.ts";

function jsonBlock(id: string, data: unknown) {
  // JSON inside <script type="application/json"> is inert under CSP; escaping "<" keeps a
  // "</script>" in a value from closing the block.
  const text = JSON.stringify(data).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
  return raw(`<script type="application/json" id="${id}">${text}</script>`);
}

export function Layout(props: { title: string; script: "app.js" | "auth.js"; data?: unknown; bodyClass?: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={assetUrl("app.css")} />
        <script type="module" src={assetUrl(props.script)}></script>
        {props.data !== undefined ? jsonBlock("page-params", props.data) : null}
      </head>
      <body class={props.bodyClass}>{props.children}</body>
    </html>
  );
}

function AuthCard(props: { heading: string; realmName?: string; children?: Child }) {
  return (
    <main class="auth" id="main">
      <div class="auth-card">
        <p class="auth-brand" aria-hidden="true">Hearth</p>
        {props.realmName ? <p class="auth-realm">{props.realmName}</p> : null}
        <h1>{props.heading}</h1>
        {props.children}
      </div>
    </main>
  );
}

export function LoginPage(props: { realmName: string; next: string; email?: string; notice?: string; error?: string }) {
  return (
    <Layout title={`Log in · ${props.realmName}`} script="auth.js" bodyClass="auth-page">
      <AuthCard heading="Log in" realmName={props.realmName}>
        {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
        <p class="form-error" role="alert" id="form-error" hidden={!props.error}>{props.error ?? ""}</p>
        <form method="post" action="/login" id="login-form" data-next={props.next} novalidate>
          <input type="hidden" name="next" value={props.next} />
          <label for="username">Email</label>
          <input id="username" name="username" type="email" autocomplete="username" required value={props.email ?? ""} autofocus />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <button type="submit" class="primary">Log in</button>
        </form>
        <p class="auth-links"><a href="/accounts/password/reset/">Forgot your password?</a></p>
      </AuthCard>
    </Layout>
  );
}

export function SetupPage(props: { error?: string; values?: Record<string, string> }) {
  const v = props.values ?? {};
  return (
    <Layout title="Set up Hearth" script="auth.js" bodyClass="auth-page">
      <AuthCard heading="Create your organization">
        <p>
          This server has no organization yet. Enter the one-time <strong>setup token</strong> printed in the server log
          (<code>hearth serve</code> output) to create it and its owner account.
        </p>
        <p class="form-error" role="alert" id="form-error" hidden={!props.error}>{props.error ?? ""}</p>
        <form method="post" action="/setup" id="setup-form" novalidate>
          <label for="setup_token">Setup token</label>
          <input id="setup_token" name="setup_token" autocomplete="off" spellcheck={false} required value={v.setup_token ?? ""} />
          <label for="realm_name">Organization name</label>
          <input id="realm_name" name="realm_name" maxlength={40} required value={v.realm_name ?? ""} />
          <label for="full_name">Your name</label>
          <input id="full_name" name="full_name" autocomplete="name" required value={v.full_name ?? ""} />
          <label for="email">Your email</label>
          <input id="email" name="email" type="email" autocomplete="email" required value={v.email ?? ""} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="pw-hint" />
          <p class="hint" id="pw-hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
          <button type="submit" class="primary">Create organization</button>
        </form>
      </AuthCard>
    </Layout>
  );
}

export function MessagePage(props: { title: string; heading: string; children?: Child }) {
  return (
    <Layout title={props.title} script="auth.js" bodyClass="auth-page">
      <AuthCard heading={props.heading}>{props.children}</AuthCard>
    </Layout>
  );
}

export function AppShell(props: { realmName: string }) {
  return (
    <Layout title={props.realmName} script="app.js" data={{ realm_name: props.realmName }} bodyClass="app-page">
      <div id="app" class="app-loading">
        <p class="loading" role="status">Loading {props.realmName}…</p>
      </div>
      <noscript>
        <p class="noscript">Hearth's web app needs JavaScript. Any Zulip client (mobile, terminal) also works with this server.</p>
      </noscript>
    </Layout>
  );
}

/** Joining through an invitation (/join/TOKEN/) or open sign-up (/register/). */
export function JoinPage(props: { realmName: string; token: string | null }) {
  const invite = props.token !== null;
  return (
    <Layout title={`${invite ? "Join" : "Sign up for"} ${props.realmName}`} script="auth.js" bodyClass="auth-page">
      <AuthCard heading={invite ? `Join ${props.realmName}` : `Sign up for ${props.realmName}`} realmName={props.realmName}>
        <p class="form-error" role="alert" id="form-error" hidden></p>
        <form method="post" id="join-form" data-endpoint={invite ? `/json/join/${encodeURIComponent(props.token!)}` : "/json/signup"} novalidate>
          <label for="full_name">Your name</label>
          <input id="full_name" name="full_name" autocomplete="name" required maxlength={60} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="email" required={!invite} aria-describedby={invite ? "email-hint" : undefined} />
          {invite ? <p class="hint" id="email-hint">If you were invited by email, that address is used and this field can stay empty.</p> : null}
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="pw-hint" />
          <p class="hint" id="pw-hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
          <button type="submit" class="primary">Create account</button>
        </form>
        <p class="auth-links">Already have an account? <a href="/login">Log in</a></p>
      </AuthCard>
    </Layout>
  );
}

export function ResetPage(props: { realmName: string; sent?: boolean; noEmail?: boolean }) {
  return (
    <Layout title={`Reset your password · ${props.realmName}`} script="auth.js" bodyClass="auth-page">
      <AuthCard heading="Reset your password" realmName={props.realmName}>
        {props.sent ? (
          <p class="notice" role="status">
            If an account with that email exists, a link to set a new password is on its way. It works for one hour.
            {props.noEmail ? " (This server cannot send email yet: ask an administrator of the organization to reset your password.)" : ""}
          </p>
        ) : (
          <form method="post" action="/accounts/password/reset/" id="reset-form">
            <label for="email">Your email</label>
            <input id="email" name="email" type="email" autocomplete="email" required />
            <button type="submit" class="primary">Send me a reset link</button>
          </form>
        )}
        <p class="auth-links"><a href="/login">Back to log in</a></p>
      </AuthCard>
    </Layout>
  );
}

export function ResetConfirmPage(props: { realmName: string; token: string; email?: string; error?: string; valid: boolean }) {
  return (
    <Layout title={`Set a new password · ${props.realmName}`} script="auth.js" bodyClass="auth-page">
      <AuthCard heading="Set a new password" realmName={props.realmName}>
        <p class="form-error" role="alert" id="form-error" hidden={!props.error}>{props.error ?? ""}</p>
        {props.valid ? (
          <form method="post" action={`/accounts/password/reset/${props.token}/`}>
            {props.email ? <p>For <strong>{props.email}</strong></p> : null}
            <label for="password">New password</label>
            <input id="password" name="password" type="password" autocomplete="new-password" required aria-describedby="pw-hint" />
            <p class="hint" id="pw-hint">At least {MIN_PASSWORD_LENGTH} characters.</p>
            <button type="submit" class="primary">Set password</button>
          </form>
        ) : <p><a href="/accounts/password/reset/">Ask for a new link</a></p>}
      </AuthCard>
    </Layout>
  );
}
