/** @jsxImportSource hono/jsx/dom */
// Personal settings (profile, password, API key + zuliprc, notifications, display) and,
// for administrators, organization settings (profile, invitations, users, channels).
import { useEffect, useState } from "hono/jsx/dom";
import { api } from "./api.ts";
import { changed, state } from "./store.ts";
import { Modal, toast } from "./ui.tsx";

type Tab = "profile" | "account" | "notifications" | "display" | "org" | "invites" | "users" | "bots" | "channels" | "linkifiers" | "emoji";

function field(e: Event) {
  return (e.target as HTMLInputElement).value;
}

async function saveSetting(params: Record<string, unknown>, ok = "Saved.") {
  try {
    await api("PATCH", "/settings", params);
    for (const [k, v] of Object.entries(params)) if (k !== "old_password" && k !== "new_password") state.settings[k] = v;
    changed();
    toast(ok, "info");
    return true;
  } catch (e) {
    toast((e as Error).message);
    return false;
  }
}

function Status() {
  const cur = state.userStatus.get(state.me);
  const [text, setText] = useState(cur?.status_text ?? "");
  return (
    <form class="settings-form" onSubmit={async (e: Event) => {
      e.preventDefault();
      try {
        await api("POST", "/users/me/status", { status_text: text.trim() });
        toast(text.trim() ? "Status set." : "Status cleared.", "info");
      } catch (err) {
        toast((err as Error).message);
      }
    }}>
      <label for="set-status">Status</label>
      <input id="set-status" value={text} maxlength={60} placeholder="In a meeting, on vacation…" onInput={(e: Event) => setText(field(e))} />
      <button type="submit">Set status</button>
    </form>
  );
}

function Profile() {
  const me = state.users.get(state.me);
  const [name, setName] = useState(me?.full_name ?? "");
  return (
    <div>
    <Status />
    <form class="settings-form" onSubmit={async (e: Event) => { e.preventDefault(); await saveSetting({ full_name: name }, "Name updated."); }}>
      <label for="set-name">Full name</label>
      <input id="set-name" value={name} maxlength={60} onInput={(e: Event) => setName(field(e))} />
      <button type="submit" class="primary">Save</button>
      <label for="set-avatar">Avatar</label>
      <input id="set-avatar" type="file" accept="image/*" onChange={async (e: Event) => {
        const f = (e.target as HTMLInputElement).files?.[0];
        if (!f) return;
        const fd = new FormData();
        fd.append("file", f);
        const res = await fetch("/json/users/me/avatar", { method: "POST", body: fd, headers: { "x-csrftoken": (await import("./csrf.ts")).csrfToken() } });
        const b = await res.json().catch(() => ({}));
        toast(res.ok ? "Avatar updated." : b.msg || "Avatar upload failed.", res.ok ? "info" : "error");
      }} />
    </form>
    </div>
  );
}

function zuliprc(email: string, key: string) {
  return `[api]\nemail=${email}\nkey=${key}\nsite=${location.origin}\n`;
}

function Account() {
  const [oldPw, setOld] = useState("");
  const [newPw, setNew] = useState("");
  const [pw, setPw] = useState("");
  const [key, setKey] = useState<string | null>(null);
  const download = () => {
    if (!key) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([zuliprc(state.myEmail, key)], { type: "text/plain" }));
    a.download = "zuliprc";
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <div>
      <form class="settings-form" onSubmit={async (e: Event) => {
        e.preventDefault();
        if (await saveSetting({ old_password: oldPw, new_password: newPw }, "Password changed.")) { setOld(""); setNew(""); }
      }}>
        <h3>Password</h3>
        <label for="old-pw">Current password</label>
        <input id="old-pw" type="password" autocomplete="current-password" value={oldPw} onInput={(e: Event) => setOld(field(e))} />
        <label for="new-pw">New password</label>
        <input id="new-pw" type="password" autocomplete="new-password" value={newPw} onInput={(e: Event) => setNew(field(e))} />
        <button type="submit" class="primary">Change password</button>
      </form>
      <div class="settings-form">
        <h3>API key</h3>
        <p class="muted">Your API key lets bots and clients act as you. Keep it secret.</p>
        {key === null ? (
          <form onSubmit={async (e: Event) => {
            e.preventDefault();
            try {
              // fetch_api_key is served under /api/v1 only (docs/auth.md); it takes the
              // password itself, so the page calls it there without the session.
              const res = await fetch("/api/v1/fetch_api_key", { method: "POST", body: new URLSearchParams({ username: state.myEmail, password: pw }) });
              const r = await res.json().catch(() => ({}));
              if (!res.ok || r.result !== "success") throw new Error(r.msg || `HTTP ${res.status}`);
              setKey(r.api_key);
              setPw("");
            } catch (err) {
              toast((err as Error).message);
            }
          }}>
            <label for="key-pw">Confirm your password to show it</label>
            <input id="key-pw" type="password" autocomplete="current-password" value={pw} onInput={(e: Event) => setPw(field(e))} />
            <button type="submit">Show API key</button>
          </form>
        ) : (
          <div>
            <p><code class="api-key" aria-label="API key">{key}</code></p>
            <div class="row">
              <button type="button" onClick={download}>Download zuliprc</button>
              <button type="button" class="danger" onClick={async () => {
                if (!confirm("Generate a new API key? Clients using the old key stop working.")) return;
                try {
                  setKey((await api("POST", "/users/me/api_key/regenerate")).api_key);
                } catch (err) {
                  toast((err as Error).message);
                }
              }}>Generate new key</button>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}

function Notifications() {
  const s = state.settings;
  const perm = typeof Notification === "undefined" ? "unsupported" : Notification.permission;
  return (
    <div class="settings-form">
      <p>Browser permission: <strong>{perm}</strong></p>
      {perm === "default" ? <button type="button" onClick={() => Notification.requestPermission().then(() => changed())}>Allow desktop notifications</button> : null}
      <label class="check"><input type="checkbox" checked={s.enable_desktop_notifications !== false} onChange={(e: Event) => saveSetting({ enable_desktop_notifications: (e.target as HTMLInputElement).checked })} /> Desktop notifications for direct messages and mentions</label>
      <label class="check"><input type="checkbox" checked={s.enable_sounds !== false} onChange={(e: Event) => saveSetting({ enable_sounds: (e.target as HTMLInputElement).checked })} /> Play a sound</label>
    </div>
  );
}

export function applyTheme() {
  // Zulip's color_scheme: 1 automatic, 2 dark, 3 light
  const cs = state.settings.color_scheme;
  document.documentElement.dataset.theme = cs === 2 ? "dark" : cs === 3 ? "light" : "auto";
}

function Display() {
  const s = state.settings;
  return (
    <div class="settings-form">
      <label for="theme">Theme</label>
      <select id="theme" value={String(s.color_scheme ?? 1)} onChange={async (e: Event) => { await saveSetting({ color_scheme: Number(field(e)) }); applyTheme(); }}>
        <option value="1">Automatic (follow the system)</option>
        <option value="3">Light</option>
        <option value="2">Dark</option>
      </select>
      <label class="check"><input type="checkbox" checked={!!s.twenty_four_hour_time} onChange={(e: Event) => saveSetting({ twenty_four_hour_time: (e.target as HTMLInputElement).checked })} /> 24-hour time</label>
      <label class="check"><input type="checkbox" checked={!!s.enter_sends} onChange={(e: Event) => saveSetting({ enter_sends: (e.target as HTMLInputElement).checked })} /> Enter sends a message (Shift+Enter for a new line)</label>
    </div>
  );
}

function OrgProfile() {
  const [name, setName] = useState(state.realmName);
  const [desc, setDesc] = useState(String(state.realm.realm_description ?? ""));
  return (
    <form class="settings-form" onSubmit={async (e: Event) => {
      e.preventDefault();
      try {
        await api("PATCH", "/realm", { name, description: desc });
        toast("Organization updated.", "info");
      } catch (err) {
        toast((err as Error).message);
      }
    }}>
      <label for="org-name">Organization name</label>
      <input id="org-name" value={name} maxlength={40} onInput={(e: Event) => setName(field(e))} />
      <label for="org-desc">Description</label>
      <textarea id="org-desc" rows={3} value={desc} onInput={(e: Event) => setDesc(field(e))} />
      <button type="submit" class="primary">Save</button>
    </form>
  );
}

function Invites() {
  const [emails, setEmails] = useState("");
  const [link, setLink] = useState<string | null>(null);
  const streamIds = [...state.subs.keys()];
  return (
    <div>
      <form class="settings-form" onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          await api("POST", "/invites", { invitee_emails: emails, stream_ids: streamIds, invite_as: 400 });
          setEmails("");
          toast("Invitations sent.", "info");
        } catch (err) {
          toast((err as Error).message);
        }
      }}>
        <label for="inv-emails">Invite by email (comma or newline separated)</label>
        <textarea id="inv-emails" rows={3} value={emails} onInput={(e: Event) => setEmails(field(e))} />
        <button type="submit" class="primary">Send invitations</button>
      </form>
      <div class="settings-form">
        <button type="button" onClick={async () => {
          try {
            setLink((await api("POST", "/invites/multiuse", { stream_ids: streamIds, invite_as: 400, invite_expires_in_minutes: 7 * 24 * 60 })).invite_link);
          } catch (err) {
            toast((err as Error).message);
          }
        }}>Create an invite link (7 days)</button>
        {link ? <p><code>{link}</code></p> : null}
      </div>
    </div>
  );
}

function Users() {
  const roles: [number, string][] = [[100, "Owner"], [200, "Administrator"], [300, "Moderator"], [400, "Member"], [600, "Guest"]];
  const users = [...state.users.values()].sort((a, b) => a.full_name.localeCompare(b.full_name));
  return (
    <table class="table">
      <caption class="sr-only">Users</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>
        {users.map((u) => (
          <tr class={u.is_active === false ? "muted" : ""}>
            <td>{u.full_name}{u.is_bot ? " (bot)" : ""}</td>
            <td>{u.email}</td>
            <td>
              <select aria-label={`Role of ${u.full_name}`} value={String(u.role ?? 400)} disabled={u.user_id === state.me || (u.role === 100 && !state.isOwner)}
                onChange={async (e: Event) => { try { await api("PATCH", `/users/${u.user_id}`, { role: Number(field(e)) }); } catch (err) { toast((err as Error).message); } }}>
                {roles.filter(([r]) => r !== 100 || state.isOwner).map(([r, n]) => <option value={String(r)}>{n}</option>)}
              </select>
            </td>
            <td>
              {u.user_id !== state.me && u.is_active !== false ? (
                <button type="button" class="danger" onClick={async () => {
                  if (!confirm(`Deactivate ${u.full_name}?`)) return;
                  try { await api("DELETE", `/users/${u.user_id}`); } catch (err) { toast((err as Error).message); }
                }}>Deactivate</button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Bots() {
  const [name, setName] = useState("");
  const [short, setShort] = useState("");
  const [type, setType] = useState("1");
  const [created, setCreated] = useState<{ email: string; key: string } | null>(null);
  const bots = [...state.users.values()].filter((u) => u.is_bot && u.is_active !== false);
  return (
    <div>
      <form class="settings-form" onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          const r = await api("POST", "/bots", { full_name: name, short_name: short, bot_type: Number(type) });
          setCreated({ email: r.email ?? `${short}-bot`, key: r.api_key });
          setName(""); setShort("");
        } catch (err) {
          toast((err as Error).message);
        }
      }}>
        <h3>Add a bot</h3>
        <label for="bot-name">Name</label>
        <input id="bot-name" value={name} required onInput={(e: Event) => setName(field(e))} />
        <label for="bot-short">Username (the bot's email starts with it)</label>
        <input id="bot-short" value={short} required pattern="[a-z0-9_-]+" onInput={(e: Event) => setShort(field(e))} />
        <label for="bot-type">Type</label>
        <select id="bot-type" value={type} onChange={(e: Event) => setType(field(e))}>
          <option value="1">Generic bot</option>
          <option value="2">Incoming webhook</option>
          <option value="3">Outgoing webhook</option>
        </select>
        <button type="submit" class="primary">Create bot</button>
      </form>
      {created ? <p role="status">Created <strong>{created.email}</strong>. API key: <code class="api-key">{created.key}</code></p> : null}
      <ul>{bots.map((b) => <li>{b.full_name} <span class="muted">{b.email}</span></li>)}</ul>
    </div>
  );
}

function Linkifiers() {
  const [items, setItems] = useState<{ id: number; pattern: string; url_template: string }[] | null>(null);
  const [pattern, setPattern] = useState("");
  const [tpl, setTpl] = useState("");
  const load = () => api("GET", "/realm/linkifiers").then((r) => setItems(r.linkifiers), (e) => { toast(e.message); setItems([]); });
  useEffect(() => { void load(); }, []);
  return (
    <div>
      <form class="settings-form" onSubmit={async (e: Event) => {
        e.preventDefault();
        try {
          await api("POST", "/realm/filters", { pattern, url_template: tpl });
          setPattern(""); setTpl("");
          void load();
        } catch (err) {
          toast((err as Error).message);
        }
      }}>
        <h3>Add a linkifier</h3>
        <label for="lk-pattern">Pattern (regular expression)</label>
        <input id="lk-pattern" value={pattern} required placeholder="#(?P<id>[0-9]+)" onInput={(e: Event) => setPattern(field(e))} />
        <label for="lk-url">URL template</label>
        <input id="lk-url" value={tpl} required placeholder="https://github.com/org/repo/issues/{id}" onInput={(e: Event) => setTpl(field(e))} />
        <button type="submit" class="primary">Add</button>
      </form>
      {items === null ? <p>Loading…</p> : (
        <ul>{items.map((l) => (
          <li><code>{l.pattern}</code> → <code>{l.url_template}</code>{" "}
            <button type="button" class="danger" onClick={async () => { try { await api("DELETE", `/realm/filters/${l.id}`); void load(); } catch (err) { toast((err as Error).message); } }}>Delete</button>
          </li>
        ))}</ul>
      )}
    </div>
  );
}

function CustomEmoji() {
  const [name, setName] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const emoji = Object.entries(state.realmEmoji).filter(([, e]) => !e.deactivated);
  return (
    <div>
      <form class="settings-form" onSubmit={async (e: Event) => {
        e.preventDefault();
        if (!file) return toast("Choose an image.");
        const fd = new FormData();
        fd.append("file", file);
        const res = await fetch(`/json/realm/emoji/${encodeURIComponent(name)}`, { method: "POST", body: fd, headers: { "x-csrftoken": (await import("./csrf.ts")).csrfToken() } });
        const b = await res.json().catch(() => ({}));
        if (res.ok && b.result === "success") { toast(`:${name}: added.`, "info"); setName(""); } else toast(b.msg || `Upload failed (HTTP ${res.status}).`);
      }}>
        <h3>Add a custom emoji</h3>
        <label for="em-name">Name</label>
        <input id="em-name" value={name} required pattern="[a-z0-9_]+" onInput={(e: Event) => setName(field(e))} />
        <label for="em-file">Image</label>
        <input id="em-file" type="file" accept="image/png,image/gif,image/jpeg,image/webp" onChange={(e: Event) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        <button type="submit" class="primary">Add</button>
      </form>
      <ul class="emoji-list">{emoji.map(([, e]) => (
        <li><img src={e.source_url} alt="" class="emoji-img" /> :{e.name}:{" "}
          <button type="button" class="danger" onClick={async () => { try { await api("DELETE", `/realm/emoji/${encodeURIComponent(e.name)}`); } catch (err) { toast((err as Error).message); } }}>Remove</button>
        </li>
      ))}</ul>
    </div>
  );
}

function ChannelList() {
  const subs = [...state.subs.values()].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <table class="table">
      <caption class="sr-only">Your channels</caption>
      <thead><tr><th scope="col">Channel</th><th scope="col">Privacy</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>{subs.map((s) => (
        <tr>
          <td>#{s.name}</td>
          <td>{s.invite_only ? "Private" : "Public"}</td>
          <td class="row">
            <button type="button" onClick={async () => {
              try { await api("PATCH", "/users/me/subscriptions/properties", { subscription_data: [{ stream_id: s.stream_id, property: "is_muted", value: !s.is_muted }] }); } catch (err) { toast((err as Error).message); }
            }}>{s.is_muted ? "Unmute" : "Mute"}</button>
            <button type="button" onClick={async () => {
              try { await api("PATCH", "/users/me/subscriptions/properties", { subscription_data: [{ stream_id: s.stream_id, property: "pin_to_top", value: !s.pin_to_top }] }); } catch (err) { toast((err as Error).message); }
            }}>{s.pin_to_top ? "Unpin" : "Pin"}</button>
            {state.isAdmin ? (
              <>
                <button type="button" onClick={async () => {
                  try { await api("PATCH", `/streams/${s.stream_id}`, { is_private: !s.invite_only }); } catch (err) { toast((err as Error).message); }
                }}>Make {s.invite_only ? "public" : "private"}</button>
                <button type="button" onClick={async () => {
                  try { await api("POST", "/default_streams", { stream_id: s.stream_id }); toast(`#${s.name} is now a default channel.`, "info"); } catch (err) { toast((err as Error).message); }
                }}>Make default</button>
                <button type="button" class="danger" onClick={async () => {
                  if (!confirm(`Archive #${s.name}? Nobody can post to it afterwards.`)) return;
                  try { await api("DELETE", `/streams/${s.stream_id}`); } catch (err) { toast((err as Error).message); }
                }}>Archive</button>
              </>
            ) : null}
          </td>
        </tr>
      ))}</tbody>
    </table>
  );
}

/** All channels the user may see, to join or leave (GET /streams). */
function BrowseChannels() {
  const [all, setAll] = useState<{ stream_id: number; name: string; description?: string; invite_only?: boolean }[] | null>(null);
  const load = () => api("GET", "/streams").then((r) => setAll(r.streams), (e) => { toast(e.message); setAll([]); });
  useEffect(() => { void load(); }, []);
  if (all === null) return <p>Loading channels…</p>;
  return (
    <div class="settings-form">
      <h3>All channels</h3>
      <ul class="browse">
        {all.sort((a, b) => a.name.localeCompare(b.name)).map((s) => {
          const subscribed = state.subs.has(s.stream_id);
          return (
            <li class="row">
              <strong>#{s.name}</strong> <span class="muted">{s.description ?? ""}</span>
              <button type="button" onClick={async () => {
                try {
                  if (subscribed) await api("DELETE", "/users/me/subscriptions", { subscriptions: [s.name] });
                  else await api("POST", "/users/me/subscriptions", { subscriptions: [{ name: s.name }] });
                } catch (err) {
                  toast((err as Error).message);
                }
              }}>{subscribed ? "Leave" : "Join"}</button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Channels() {
  const [name, setName] = useState("");
  const [desc, setDesc] = useState("");
  const [priv, setPriv] = useState(false);
  return (
    <div>
    <ChannelList />
    <BrowseChannels />
    <form class="settings-form" onSubmit={async (e: Event) => {
      e.preventDefault();
      try {
        await api("POST", "/users/me/subscriptions", { subscriptions: [{ name, description: desc }], invite_only: priv });
        setName(""); setDesc("");
        toast(`Channel #${name} created.`, "info");
      } catch (err) {
        toast((err as Error).message);
      }
    }}>
      <h3>Create a channel</h3>
      <label for="ch-name">Name</label>
      <input id="ch-name" value={name} maxlength={60} required onInput={(e: Event) => setName(field(e))} />
      <label for="ch-desc">Description</label>
      <input id="ch-desc" value={desc} onInput={(e: Event) => setDesc(field(e))} />
      <label class="check"><input type="checkbox" checked={priv} onChange={(e: Event) => setPriv((e.target as HTMLInputElement).checked)} /> Private (invite only)</label>
      <button type="submit" class="primary">Create</button>
    </form>
    </div>
  );
}

export function Settings(props: { onClose: () => void; initial?: Tab }) {
  const [tab, setTab] = useState<Tab>(props.initial ?? "profile");
  useEffect(() => {}, []);
  const tabs: [Tab, string][] = [["profile", "Profile"], ["account", "Account & API key"], ["notifications", "Notifications"], ["display", "Display"]];
  if (state.isAdmin) tabs.push(["org", "Organization"], ["invites", "Invitations"], ["users", "Users"]);
  tabs.push(["bots", "Bots"], ["channels", "Channels"]);
  if (state.isAdmin) tabs.push(["linkifiers", "Linkifiers"], ["emoji", "Custom emoji"]);
  return (
    <Modal title="Settings" onClose={props.onClose} wide>
      <div class="settings">
        <div role="tablist" aria-label="Settings sections" class="tabs">
          {tabs.map(([t, label]) => (
            <button type="button" role="tab" id={`tab-${t}`} aria-selected={String(tab === t)} aria-controls="settings-panel" tabindex={tab === t ? 0 : -1} onClick={() => setTab(t)}
              onKeyDown={(e: KeyboardEvent) => {
                if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
                e.preventDefault();
                const i = tabs.findIndex(([x]) => x === tab);
                const next = tabs[(i + (e.key === "ArrowDown" ? 1 : tabs.length - 1)) % tabs.length]![0];
                setTab(next);
                requestAnimationFrame(() => document.getElementById(`tab-${next}`)?.focus());
              }}>{label}</button>
          ))}
        </div>
        <div role="tabpanel" id="settings-panel" aria-labelledby={`tab-${tab}`} class="tab-panel">
          {tab === "profile" ? <Profile /> : tab === "account" ? <Account /> : tab === "notifications" ? <Notifications /> : tab === "display" ? <Display /> : tab === "org" ? <OrgProfile /> : tab === "invites" ? <Invites /> : tab === "users" ? <Users /> : tab === "bots" ? <Bots /> : tab === "linkifiers" ? <Linkifiers /> : tab === "emoji" ? <CustomEmoji /> : <Channels />}
        </div>
      </div>
    </Modal>
  );
}
