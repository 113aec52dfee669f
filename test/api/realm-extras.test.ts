// Realm emoji (real files on disk) and linkifiers (pattern safety), with their events.
import { test, expect } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { forEachDialect } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { Role } from "../../src/domain/roles.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { realmEmojiByName } from "../../src/actions/realm-emoji.ts";
import { linkifiersForRealm } from "../../src/actions/linkifiers.ts";
import { validateLinkifier } from "../../src/domain/linkifier-pattern.ts";

// A 1x1 PNG.
const PNG: Uint8Array<ArrayBuffer> = Uint8Array.from(Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=", "base64"));
const GIF: Uint8Array<ArrayBuffer> = Uint8Array.from(Buffer.from("R0lGODlhAQABAAAAACw=", "base64"));

forEachDialect("realm emoji and linkifiers", (t) => {
  const upload = (as: { email: string; apiKey: string }, name: string, file: Uint8Array<ArrayBuffer> | string, extra: Record<string, unknown> = {}) =>
    t.api("POST", `/realm/emoji/${name}`, { as, multipart: true, params: { f: new File([file], "emoji.png"), ...extra } });

  test("upload: stored under uploads/emoji, listed, announced to the realm only", async () => {
    const a = await t.user();
    const b = await t.user();
    const other = await createRealm(t.deps, { name: "Y", subdomain: "emoji-y" });
    const outsider = await t.user({ realmId: other.id });
    const { result, events } = await verifyAction(t, b, () => upload(a, "green_tick", PNG));
    expect(result.body.result).toBe("success");
    const ev = events[0]!;
    expect(ev.type).toBe("realm_emoji");
    const list = await t.api("GET", "/realm/emoji", { as: b });
    const e = Object.values(list.body.emoji as Record<string, any>).find((x) => x.name === "green_tick");
    expect(e).toMatchObject({ name: "green_tick", deactivated: false, author_id: a.id });
    expect(e.source_url).toMatch(new RegExp(`^/user_avatars/${t.realm.id}/emoji/images/.+\\.png$`));
    const dir = join(t.app.config.dataDir, "uploads", "emoji", String(t.realm.id));
    expect(readdirSync(dir)).toContain(e.source_url.split("/").pop());
    expect((await realmEmojiByName(t.store, t.realm.id, "green_tick"))?.id).toBe(Number(e.id));
    const ev2 = await captureEvents(t, () => upload(a, "anim", GIF));
    expect(ev2.forUser(b.id).length).toBe(1);
    expect(ev2.forUser(outsider.id)).toEqual([]);
    const theirs = await t.api("GET", "/realm/emoji", { as: outsider, host: "emoji-y.testserver" });
    expect(Object.keys(theirs.body.emoji)).toEqual([]);
  });

  test("upload is validated: name, type, size, count, duplicates, guests", async () => {
    const a = await t.user();
    const guest = await t.user({ role: Role.GUEST });
    expect((await upload(a, "Bad-Name", PNG)).body.msg).toBe("Emoji names must contain only lowercase alphanumeric characters, hyphen, underscore");
    expect((await upload(a, "trailing_", PNG)).body.result).toBe("error");
    const txt = await upload(a, "text", "not an image");
    expect([txt.body.code, txt.body.msg]).toEqual(["BAD_IMAGE", "Invalid image format"]);
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG);
    expect((await upload(a, "huge", big)).body.msg).toBe("Uploaded file is larger than the allowed limit of 5 MiB");
    const two = await upload(a, "two", PNG, { g: new File([PNG], "x.png") });
    expect(two.body.msg).toBe("You must upload exactly one file.");
    const none = await t.api("POST", "/realm/emoji/none", { as: a, params: {} });
    expect(none.body.msg).toBe("You must upload exactly one file.");
    await upload(a, "taken", PNG);
    expect((await upload(a, "taken", PNG)).body.msg).toBe("A custom emoji with this name already exists.");
    expect((await upload(guest, "guestmoji", PNG)).body.msg).toBe("Insufficient permission");
    // no orphan files from the refused uploads
    const dir = join(t.app.config.dataDir, "uploads", "emoji", String(t.realm.id));
    const names = Object.values((await t.api("GET", "/realm/emoji", { as: a })).body.emoji as Record<string, any>).map((e) => e.source_url.split("/").pop());
    expect(readdirSync(dir).sort()).toEqual(names.sort());
  }, 30_000);

  test("delete: the author or an admin, not other members; deactivated stays listed", async () => {
    const author = await t.user();
    const other = await t.user();
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    await upload(author, "mine", PNG);
    await upload(author, "mine2", PNG);
    const denied = await t.api("DELETE", "/realm/emoji/mine", { as: other });
    expect(denied.body.result).toBe("error");
    await verifyAction(t, other, () => t.api("DELETE", "/realm/emoji/mine", { as: author }));
    expect((await t.api("DELETE", "/realm/emoji/mine2", { as: admin })).body.result).toBe("success");
    const list = Object.values((await t.api("GET", "/realm/emoji", { as: other })).body.emoji as Record<string, any>);
    expect(list.find((e) => e.name === "mine").deactivated).toBe(true);
    expect(await realmEmojiByName(t.store, t.realm.id, "mine")).toBeUndefined();
    expect((await t.api("DELETE", "/realm/emoji/mine", { as: admin })).body.msg).toBe("Emoji 'mine' does not exist");
    // the name is free again
    expect((await upload(other, "mine", PNG)).body.result).toBe("success");
  });

  test("linkifiers: admins add, edit, reorder and delete; events in both forms; members refused", async () => {
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const member = await t.user();
    const { result, events } = await verifyAction(t, member, () =>
      t.api("POST", "/realm/filters", { as: admin, params: { pattern: "#(?P<id>[0-9]+)", url_template: "https://tracker.example/{id}" } }),
    );
    const id1 = result.body.id;
    expect(events).toEqual([
      { type: "realm_linkifiers", realm_linkifiers: [{ pattern: "#(?P<id>[0-9]+)", url_template: "https://tracker.example/{id}", id: id1 }] },
      { type: "realm_filters", realm_filters: [] },
    ]);
    const id2 = (await t.api("POST", "/realm/filters", { as: admin, params: { pattern: "GH-(?P<n>\\d+)", url_template: "https://github.example/issues/{n}" } })).body.id;
    expect((await t.api("POST", "/realm/filters", { as: member, params: { pattern: "x(?P<a>y)", url_template: "https://e.example/{a}" } })).body.msg).toBe("Must be an organization administrator");
    await verifyAction(t, member, () => t.api("PATCH", "/realm/linkifiers", { as: admin, params: { ordered_linkifier_ids: [id2, id1] } }));
    expect((await t.api("GET", "/realm/linkifiers", { as: member })).body.linkifiers.map((l: any) => l.id)).toEqual([id2, id1]);
    expect((await t.api("PATCH", "/realm/linkifiers", { as: admin, params: { ordered_linkifier_ids: [id2] } })).body.result).toBe("error");
    await verifyAction(t, member, () => t.api("PATCH", `/realm/filters/${id1}`, { as: admin, params: { pattern: "#(?P<id>[0-9]{1,6})", url_template: "https://tracker.example/t/{id}" } }));
    const legacy = await t.api("GET", "/realm/filters", { as: member });
    expect(legacy.body.filters).toEqual([["GH-(?P<n>\\d+)", "https://github.example/issues/{n}", id2], ["#(?P<id>[0-9]{1,6})", "https://tracker.example/t/{id}", id1]]);
    const forMd = await linkifiersForRealm(t.store, t.realm.id);
    expect(new RegExp(forMd[1]!.jsPattern).exec("see #42")?.groups?.id).toBe("42");
    expect((await t.api("DELETE", `/realm/filters/${id1}`, { as: member })).body.result).toBe("error");
    await verifyAction(t, member, () => t.api("DELETE", `/realm/filters/${id1}`, { as: admin }));
    expect((await t.api("DELETE", `/realm/filters/${id1}`, { as: admin })).body.msg).toBe("Linkifier not found.");
  });

  test("patterns: invalid or expensive ones are refused before anything is stored", async () => {
    const ok = (p: string, u: string) => () => validateLinkifier(p, u);
    expect(ok("#(?P<id>[0-9]+)", "https://x.example/{id}")).not.toThrow();
    expect(ok("(?P<org>[a-z]+)/(?P<repo>[a-z]+)#(?P<n>\\d+)", "https://g.example/{org}/{repo}/issues/{n}")).not.toThrow();
    expect(ok("#(?P<id>[0-9]+", "https://x.example/{id}")).toThrow(/Invalid linkifier pattern/);
    expect(ok("(?P<id>(a+)+)", "https://x.example/{id}")).toThrow(/nested repetition/);
    expect(ok("(?P<id>(?:a|b*)*)", "https://x.example/{id}")).toThrow(/nested repetition/);
    expect(ok("(?P<id>a)(?=b)", "https://x.example/{id}")).toThrow(/lookaround/);
    expect(ok("(?P<id>a)\\1", "https://x.example/{id}")).toThrow(/backreferences/);
    expect(ok("#(?P<id>[0-9]+)", "https://x.example/{other}")).toThrow("Group 'other' in URL template is not present in linkifier pattern.");
    expect(ok("#(?P<id>[0-9]+)(?P<x>z)", "https://x.example/{id}")).toThrow("Group 'x' in linkifier pattern is not present in URL template.");
    expect(ok("#(?P<id>[0-9]+)", "javascript:alert({id})")).toThrow("Invalid URL template.");
    expect(ok("a".repeat(1001), "https://x.example/")).toThrow(/too long/);
    const admin = await t.user({ role: Role.ADMINISTRATOR });
    const before = (await t.api("GET", "/realm/linkifiers", { as: admin })).body.linkifiers.length;
    const r = await t.api("POST", "/realm/filters", { as: admin, params: { pattern: "(?P<id>(a+)+)", url_template: "https://x.example/{id}" } });
    expect(r.body.result).toBe("error");
    expect((await t.api("GET", "/realm/linkifiers", { as: admin })).body.linkifiers.length).toBe(before);
    expect(existsSync(t.app.config.dataDir)).toBe(true);
  });
});
