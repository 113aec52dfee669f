// People, bots, realm settings and invitations: both sides of every permission rule,
// and verify_action for every event type this area sends.
import { expect, test } from "bun:test";
import { forEachDialect } from "../helpers/app.ts";
import { verifyAction, captureEvents } from "../helpers/events.ts";
import { Role } from "../../src/domain/roles.ts";
import { createUser, deactivateUser, reactivateUser, regenerateApiKey, updateOwnSettings, updateUserByAdmin } from "../../src/actions/users.ts";
import { createBot, updateBot } from "../../src/actions/bots.ts";
import { updateRealmSettings } from "../../src/actions/realms.ts";
import { userById } from "../../src/db/repo/users.ts";

const PW = "correct horse battery";

forEachDialect("users api", (t) => {
  test("GET /users, /users/{id}, /users/{email}: delivery_email only for admins and self", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const other = await t.user();
    const all = await t.api("GET", "/users", { as: member });
    expect(all.status).toBe(200);
    const o = all.body.members.find((m: any) => m.user_id === other.id);
    expect(o.delivery_email).toBeNull();
    expect(all.body.members.find((m: any) => m.user_id === member.id).delivery_email).toBe(member.email);
    const byAdmin = await t.api("GET", `/users/${other.id}`, { as: admin });
    expect(byAdmin.body.user.delivery_email).toBe(other.email);
    const byEmail = await t.api("GET", `/users/${encodeURIComponent(other.email)}`, { as: member });
    expect(byEmail.body.user.user_id).toBe(other.id);
    expect(byEmail.body.user.delivery_email).toBeNull();
    const byId = await t.api("GET", `/users/${other.id}`, { as: member });
    expect(byId.body.user.delivery_email).toBeNull();
    const self = await t.api("GET", `/users/${member.id}`, { as: member });
    expect(self.body.user.delivery_email).toBe(member.email);
    expect((await t.api("GET", "/users/999999", { as: member })).status).toBe(400);
  });

  test("POST /users: admins may, members may not", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const no = await t.api("POST", "/users", { as: member, params: { email: "new1@example.com", password: PW, full_name: "New" } });
    expect(no.status).toBe(400);
    const ok = await t.api("POST", "/users", { as: admin, params: { email: "new1@example.com", password: PW, full_name: "New" } });
    expect(ok.status).toBe(200);
    expect((await userById(t.store, ok.body.user_id))!.email).toBe("new1@example.com");
    const weak = await t.api("POST", "/users", { as: admin, params: { email: "new2@example.com", password: "short", full_name: "New" } });
    expect(weak.body.code).toBe("BAD_REQUEST");
    expect(weak.body.msg).toContain("too short");
  });

  test("roles: admin may not touch an owner or make owners; owner may; last owner stays", async () => {
    const owner = await t.user({ role: Role.OWNER });
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    // members cannot change roles at all
    expect((await t.api("PATCH", `/users/${admin.id}`, { as: member, params: { role: 400 } })).status).toBe(400);
    expect((await userById(t.store, admin.id))!.role).toBe(Role.ADMINISTRATOR);
    // admin demoting an owner / promoting to owner: refused
    expect((await t.api("PATCH", `/users/${owner.id}`, { as: admin, params: { role: 400 } })).body.msg).toBe("Must be an organization owner");
    expect((await t.api("PATCH", `/users/${member.id}`, { as: admin, params: { role: 100 } })).body.msg).toBe("Must be an organization owner");
    expect((await userById(t.store, owner.id))!.role).toBe(Role.OWNER);
    // admin may make a member a moderator
    expect((await t.api("PATCH", `/users/${member.id}`, { as: admin, params: { role: 300 } })).status).toBe(200);
    expect((await userById(t.store, member.id))!.role).toBe(Role.MODERATOR);
    // the only owner cannot demote themself; with a second owner they can
    const last = await t.api("PATCH", `/users/${owner.id}`, { as: owner, params: { role: 200 } });
    expect(last.status).toBe(400);
    expect((await t.api("PATCH", `/users/${admin.id}`, { as: owner, params: { role: 100 } })).status).toBe(200);
    expect((await t.api("PATCH", `/users/${owner.id}`, { as: owner, params: { role: 200 } })).status).toBe(200);
    // restore for later tests: admin (now owner) remains the only owner
  });

  test("deactivation: last owner protected; admins cannot deactivate owners; members nobody", async () => {
    const owners = (await t.api("GET", "/users", { as: await t.user() })).body.members.filter((m: any) => m.role === 100 && m.is_active);
    expect(owners.length).toBe(1);
    const onlyOwner = (await userById(t.store, owners[0].user_id))!;
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const victim = await t.user();
    const selfLast = await t.api("DELETE", "/users/me", { as: onlyOwner });
    expect(selfLast.body.code).toBe("CANNOT_DEACTIVATE_LAST_USER");
    expect((await t.api("DELETE", `/users/${onlyOwner.id}`, { as: admin })).body.msg).toBe("Must be an organization owner");
    expect((await t.api("DELETE", `/users/${victim.id}`, { as: member })).status).toBe(400);
    expect((await userById(t.store, victim.id))!.isActive).toBe(true);
    expect((await t.api("DELETE", `/users/${victim.id}`, { as: admin })).status).toBe(200);
    expect((await userById(t.store, victim.id))!.isActive).toBe(false);
    expect((await t.api("POST", `/users/${victim.id}/reactivate`, { as: member })).status).toBe(400);
    expect((await t.api("POST", `/users/${victim.id}/reactivate`, { as: admin })).status).toBe(200);
    expect((await t.api("GET", "/users/me", { as: victim })).status).toBe(200);
    expect((await t.api("DELETE", "/users/me", { as: member })).status).toBe(200);
    expect((await t.api("GET", "/users/me", { as: member })).body.code).toBe("USER_DEACTIVATED");
  });

  test("bots: creation rules, key visibility, bots cannot create bots", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const owner = await t.user();
    const stranger = await t.user();
    const guest = await t.user({ role: Role.GUEST });
    const made = await t.api("POST", "/bots", { as: owner, params: { full_name: "Helper", short_name: "helper" }, validate: false });
    expect(made.status).toBe(200);
    expect(made.body.api_key).toMatch(/^[A-Za-z0-9]{32}$/);
    const bot = (await userById(t.store, made.body.user_id))!;
    expect(bot.isBot && bot.botOwnerId === owner.id).toBe(true);
    expect((await t.api("POST", "/bots", { as: guest, params: { full_name: "G", short_name: "g" }, validate: false })).status).toBe(400);
    expect((await t.api("POST", "/bots", { as: bot, params: { full_name: "B", short_name: "b2" }, validate: false })).body.msg).toBe("Bots cannot create bots.");
    // keys: owner and admins see it; a stranger sees neither bot nor key
    const mine = await t.api("GET", "/bots", { as: owner, validate: false });
    expect(mine.body.bots.map((b: any) => b.api_key)).toContain(bot.apiKey);
    const adm = await t.api("GET", "/bots", { as: admin, validate: false });
    expect(adm.body.bots.map((b: any) => b.api_key)).toContain(bot.apiKey);
    const str = await t.api("GET", "/bots", { as: stranger, validate: false });
    expect(JSON.stringify(str.body)).not.toContain(bot.apiKey);
    expect(JSON.stringify((await t.api("GET", `/users/${bot.id}`, { as: stranger })).body)).not.toContain(bot.apiKey);
    expect((await t.api("POST", `/bots/${bot.id}/api_key/regenerate`, { as: stranger, validate: false })).status).toBe(400);
    const rk = await t.api("POST", `/bots/${bot.id}/api_key/regenerate`, { as: admin, validate: false });
    expect(rk.status).toBe(200);
    expect((await t.api("GET", "/users/me", { as: bot })).body.code).toBe("INVALID_API_KEY");
    // realm policy: admins only
    await updateRealmSettings(t.deps, admin, t.realm.id, { bot_creation_policy: 3 });
    expect((await t.api("POST", "/bots", { as: owner, params: { full_name: "H2", short_name: "helper2" }, validate: false })).status).toBe(400);
    expect((await t.api("POST", "/bots", { as: admin, params: { full_name: "H2", short_name: "helper2" }, validate: false })).status).toBe(200);
    await updateRealmSettings(t.deps, admin, t.realm.id, { bot_creation_policy: 1 });
  });

  test("PATCH /realm: admins only, validated, audited", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    expect((await t.api("PATCH", "/realm", { as: member, params: { name: "Hacked" }, validate: false })).status).toBe(400);
    const r = await t.api("PATCH", "/realm", { as: admin, params: { name: "Acme", message_content_edit_limit_seconds: 300, jitsi_server_url: JSON.stringify("https://meet.example.com") }, validate: false });
    expect(r.status).toBe(200);
    const bad = await t.api("PATCH", "/realm", { as: admin, params: { video_chat_provider: 99 }, validate: false });
    expect(bad.body.code).toBe("REQUEST_VARIABLE_INVALID");
    const log = await t.api("GET", "/realm/audit_log", { as: admin, validate: false });
    expect(log.body.audit_log.some((e: any) => e.event_type === "realm_property_changed" && e.extra_data.new_value === "Acme")).toBe(true);
    expect((await t.api("GET", "/realm/audit_log", { as: member, validate: false })).status).toBe(400);
  });

  test("invitations: link joins with its role; members per realm policy; guests never", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const guest = await t.user({ role: Role.GUEST });
    const link = await t.api("POST", "/invites/multiuse", { as: admin, params: { invite_as: 600, invite_expires_in_minutes: 60 } });
    expect(link.status).toBe(200);
    const token = /\/join\/([A-Za-z0-9]+)\/$/.exec(link.body.invite_link)![1];
    const joined = await t.api("POST", `/join/${token}`, { params: { email: "joiner@example.com", full_name: "Joiner", password: PW }, validate: false });
    expect(joined.status).toBe(200);
    expect((await userById(t.store, joined.body.user_id))!.role).toBe(Role.GUEST);
    expect((await t.api("POST", "/fetch_api_key", { params: { username: "joiner@example.com", password: PW } })).status).toBe(200);
    expect((await t.api("POST", `/join/notatoken`, { params: { email: "x@example.com", full_name: "X", password: PW }, validate: false })).status).toBe(400);
    // email invitation: one use, visible link, members may invite members but not admins
    expect((await t.api("POST", "/invites", { as: member, params: { invitee_emails: "friend@example.com", invite_as: 400 } })).status).toBe(200);
    expect((await t.api("POST", "/invites", { as: member, params: { invitee_emails: "boss@example.com", invite_as: 200 } })).status).toBe(400);
    expect((await t.api("POST", "/invites", { as: guest, params: { invitee_emails: "g@example.com" } })).status).toBe(400);
    const list = await t.api("GET", "/invites", { as: member });
    const inv = list.body.invites.find((i: any) => i.email === "friend@example.com");
    const tok = /\/join\/([A-Za-z0-9]+)\/$/.exec(inv.link_url)![1];
    expect((await t.api("POST", `/join/${tok}`, { params: { full_name: "Friend", password: PW }, validate: false })).status).toBe(200);
    expect((await t.api("POST", `/join/${tok}`, { params: { full_name: "Again", password: PW }, validate: false })).status).toBe(400);
    await updateRealmSettings(t.deps, admin, t.realm.id, { invite_to_realm_policy: 2 });
    expect((await t.api("POST", "/invites", { as: member, params: { invitee_emails: "f2@example.com" } })).status).toBe(400);
    expect((await t.api("POST", "/invites", { as: admin, params: { invitee_emails: "f2@example.com" } })).status).toBe(200);
    // open registration: refused while invitations are required
    expect((await t.api("POST", "/signup", { params: { email: "open@example.com", full_name: "O", password: PW }, validate: false })).status).toBe(400);
    await updateRealmSettings(t.deps, admin, t.realm.id, { invite_required: false, emails_restricted_to_domains: true, domains: ["example.org"] });
    expect((await t.api("POST", "/signup", { params: { email: "open@example.com", full_name: "O", password: PW }, validate: false })).status).toBe(400);
    expect((await t.api("POST", "/signup", { params: { email: "open@example.org", full_name: "O", password: PW }, validate: false })).status).toBe(200);
  });
}, { config: { authRateLimitPerMinute: 1000 } });

forEachDialect("users events", (t) => {
  test("realm_user add / update / deactivate / reactivate, user_settings, realm, realm_bot", async () => {
    const owner = await t.user({ role: Role.OWNER });
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    for (const viewer of [admin, member]) {
      const { events } = await verifyAction(t, viewer, () => createUser(t.deps, { realmId: t.realm.id, email: `ev${viewer.id}@example.com`, fullName: "Ev" }));
      const person = (events[0] as any).person;
      // delivery_email: admins see it, members do not
      expect(person.delivery_email).toBe(viewer === admin ? `ev${viewer.id}@example.com` : null);
    }
    const target = await t.user();
    await verifyAction(t, member, () => updateUserByAdmin(t.deps, admin, target.id, { fullName: "Renamed", role: Role.MODERATOR }));
    await verifyAction(t, member, () => updateOwnSettings(t.deps, member, { fullName: "Me Renamed", timezone: "Europe/Paris", settings: { enter_sends: true, emojiset: "text" } }));
    await verifyAction(t, member, () => updateUserByAdmin(t.deps, owner, member.id, { role: Role.ADMINISTRATOR }));
    const m2 = (await userById(t.store, member.id))!;
    await verifyAction(t, m2, () => updateRealmSettings(t.deps, admin, t.realm.id, { name: "New Name", create_public_stream_policy: 2, message_content_edit_limit_seconds: null }));
    // bots: owner and admins get realm_bot; a third party only realm_user
    const bystander = await t.user();
    const botOwner = await t.user();
    const { result: bot, events: ownerEvents } = await verifyAction(t, botOwner, () => createBot(t.deps, botOwner, { fullName: "Bot", shortName: "evbot" }));
    expect(ownerEvents.some((e) => e.type === "realm_bot")).toBe(true);
    const { events: byEvents } = await verifyAction(t, bystander, () => regenerateApiKey(t.deps, botOwner, bot.id), { expectEvents: false });
    expect(JSON.stringify(byEvents)).not.toContain("api_key");
    await verifyAction(t, admin, () => updateBot(t.deps, botOwner, bot.id, { fullName: "Bot Two" }));
    const { events: bys } = await captureEvents(t, () => createBot(t.deps, botOwner, { fullName: "Bot3", shortName: "evbot3" })).then((c) => ({ events: c.forUser(bystander.id) }));
    expect(bys.some((e) => e.type === "realm_bot")).toBe(false);
    // deactivating the owner deactivates the bots: seen consistently by admin and bystander
    for (const viewer of [admin, bystander]) {
      const victim = await t.user();
      await createBot(t.deps, victim, { fullName: "VB", shortName: `vb${viewer.id}` });
      await verifyAction(t, viewer, () => deactivateUser(t.deps, admin, victim.id));
      await verifyAction(t, viewer, () => reactivateUser(t.deps, admin, victim.id));
    }
  }, 60_000);
});
