// Uploads on both storage backends (the local directory, and S3 via a real s3rver on
// loopback) and both SQL dialects: upload, serve, temporary URLs, access (two-sided),
// attachments, deletion, bad input leaving nothing behind, avatars, realm icon and logo.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { forEachDialect, type TestEnv } from "../helpers/app.ts";
import { captureEvents, verifyAction } from "../helpers/events.ts";
import { PNG_1x1, getFile, incomingFiles, s3Config, startS3, storedKeys, streamingMultipart, basic, type S3Server } from "../helpers/uploads.ts";
import { createRealm } from "../../src/actions/realms.ts";
import { createUser } from "../../src/actions/users.ts";
import { inTx } from "../../src/actions/tx.ts";
import { cleanupUnclaimedUploads, linkMessageAttachments, relinkMessageAttachments } from "../../src/actions/attachments.ts";
import { createSession } from "../../src/auth/sessions.ts";
import { realmById } from "../../src/db/repo/realms.ts";
import { registeredSchedules } from "../../src/jobs/registry.ts";
import "../../src/jobs/handlers/index.ts";
import { fetchInitialState, defaultRegisterOptions } from "../../src/events/state/fetch.ts";

const s3: S3Server = await startS3(["sqlite-uploads", "sqlite-avatars", "pg-uploads", "pg-avatars"]);
afterAll(() => s3.close());

const HTML = new TextEncoder().encode("<html><script>alert(document.cookie)</script></html>");

async function upload(t: TestEnv, as: { email: string; apiKey: string }, name: string, bytes: Uint8Array, type = "application/octet-stream") {
  return t.api("POST", "/user_uploads", { as, multipart: true, params: { file: new File([bytes as Uint8Array<ArrayBuffer>], name, { type }) } });
}

/** Raw POST of a prepared body (for bodies the test helper cannot build). */
async function rawPost(t: TestEnv, path: string, as: { email: string; apiKey: string }, body: BodyInit, contentType: string, extra: Record<string, string> = {}) {
  const res = await t.app.http.fetch(new Request(`http://testserver/api/v1${path}`, {
    method: "POST", headers: { authorization: basic(as), "content-type": contentType, ...extra }, body,
  }));
  return { status: res.status, body: (await res.json()) as any };
}

async function attachmentCount(t: TestEnv): Promise<number> {
  const rows = await t.store.db.select().from(t.store.t.attachments);
  return rows.length;
}

function suite(backend: "local" | "s3") {
  forEachDialect(`uploads on ${backend}`, (t) => {
    let alice: any, bob: any, admin: any, outsider: any, otherRealm: any;

    beforeAll(async () => {
      alice = await t.user();
      bob = await t.user();
      admin = await t.user({ role: 200 });
      otherRealm = await createRealm(t.deps, { name: "Other", subdomain: "other" });
      outsider = await createUser(t.deps, { realmId: otherRealm.id, email: "out@example.com", fullName: "Out Sider" });
    });

    const noLeftovers = async (rowsBefore: number, keysBefore: number) => {
      expect(incomingFiles(t)).toEqual([]);
      expect(await attachmentCount(t)).toBe(rowsBefore);
      expect((await storedKeys(t)).length).toBe(keysBefore);
    };

    test("POST /register carries max_file_upload_size_mib from the setting, and the realm logos (schema-validated)", async () => {
      const res = await t.api("POST", "/register", { as: alice, params: { fetch_event_types: ["realm", "realm_user"] } });
      expect(res.status).toBe(200);
      expect(res.body.max_file_upload_size_mib).toBe(1);
      expect(res.body.realm_logo_source).toBe("D");
      expect(res.body.avatar_url).toBe(`/avatar/${alice.id}?v=1`);
      // No Gravatar unless the server enables it: every avatar URL is ours.
      expect(JSON.stringify(res.body.realm_users)).not.toContain("gravatar.com");
    });

    test("upload: url/uri/filename, the secret path shape, an attachment event to the uploader only, GET /attachments", async () => {
      // The attachment event matches Zulip's schema (verify_action validates it).
      await verifyAction(t, alice, () => upload(t, alice, "first.txt", new TextEncoder().encode("1")));
      const { result: res, forUser } = await captureEvents(t, () => upload(t, alice, "cat picture.png", PNG_1x1, "image/png"));
      expect(res.status).toBe(200);
      expect(res.body.url).toMatch(new RegExp(`^/user_uploads/${t.realm.id}/[0-9a-f]{2}/[A-Za-z0-9_-]{24}/cat-picture\\.png$`));
      expect(res.body.uri).toBe(res.body.url);
      expect(res.body.filename).toBe("cat-picture.png");
      const ev = forUser(alice.id);
      expect(ev.length).toBe(1);
      expect(ev[0]).toMatchObject({ type: "attachment", op: "add", attachment: { name: "cat-picture.png", size: PNG_1x1.length, messages: [] } });
      expect(forUser(bob.id)).toEqual([]);
      const list = await t.api("GET", "/attachments", { as: alice });
      expect(list.body.attachments.map((a: any) => a.path_id)).toContain(res.body.url.slice("/user_uploads/".length));
      expect(list.body.upload_space_used).toBeGreaterThanOrEqual(PNG_1x1.length);
      expect((await t.api("GET", "/attachments", { as: bob })).body.attachments).toEqual([]);
    });

    test("the web client uploads through /json/user_uploads with its session cookie and CSRF token", async () => {
      const { session, token } = await createSession(t.deps, alice, "127.0.0.1");
      const cookie = `hearth_session=${encodeURIComponent(token)}`;
      const fd = new FormData();
      fd.append("file", new File(["from the browser"], "web.txt"));
      const enc = new Response(fd);
      const type = enc.headers.get("content-type")!;
      const bytes = await enc.arrayBuffer();
      const post = (headers: Record<string, string>) =>
        t.app.http.fetch(new Request("http://testserver/json/user_uploads", { method: "POST", headers: { "content-type": type, cookie, ...headers }, body: bytes }));
      const refused = await post({});
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as any).code).toBe("CSRF_FAILED");
      const res = await post({ "x-csrftoken": session.csrfToken });
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body.filename).toBe("web.txt");
      expect((await getFile(t, body.url, { headers: { cookie }, follow: true })).status).toBe(200);
    });

    test("serving: the uploader (Basic and session cookie) gets the bytes with safe headers; others do not", async () => {
      const { body } = await upload(t, alice, "dot.png", PNG_1x1, "text/html");
      const res = await getFile(t, body.url, { as: alice });
      if (backend === "s3") {
        expect(res.status).toBe(302);
        const loc = new URL(res.headers.get("location")!);
        expect(loc.origin).toBe(s3.endpoint);
        expect(loc.searchParams.get("X-Amz-Expires")).toBe("60");
        expect(res.headers.get("referrer-policy")).toBe("no-referrer");
        const obj = await fetch(loc);
        expect(obj.headers.get("content-type")).toBe("image/png");
        expect(Buffer.from(await obj.arrayBuffer()).equals(PNG_1x1)).toBe(true);
      } else {
        expect(res.status).toBe(200);
        // Sniffed, not the declared text/html.
        expect(res.headers.get("content-type")).toBe("image/png");
        expect(res.headers.get("content-disposition")).toStartWith("inline");
        expect(res.headers.get("x-content-type-options")).toBe("nosniff");
        expect(res.headers.get("referrer-policy")).toBe("no-referrer");
        expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
        expect(res.headers.get("content-security-policy")).toContain("sandbox");
        expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
        expect(Buffer.from(await res.arrayBuffer()).equals(PNG_1x1)).toBe(true);
        const etag = res.headers.get("etag")!;
        expect((await getFile(t, body.url, { as: alice, headers: { "if-none-match": etag } })).status).toBe(304);
        const part = await getFile(t, body.url, { as: alice, headers: { range: "bytes=1-3" } });
        expect(part.status).toBe(206);
        expect(part.headers.get("content-range")).toBe(`bytes 1-3/${PNG_1x1.length}`);
        expect(Buffer.from(await part.arrayBuffer()).equals(PNG_1x1.subarray(1, 4))).toBe(true);
        expect((await getFile(t, body.url, { as: alice, headers: { range: "bytes=9999-" } })).status).toBe(416);
      }
      // The web client's session cookie works as well.
      const { token } = await createSession(t.deps, alice, "127.0.0.1");
      const viaCookie = await getFile(t, body.url, { headers: { cookie: `hearth_session=${encodeURIComponent(token)}` } });
      expect(viaCookie.status).toBe(backend === "s3" ? 302 : 200);
      // Same realm but no message links it: not found (the same answer as a missing file).
      expect((await getFile(t, body.url, { as: bob })).status).toBe(404);
      // Anonymous.
      expect((await getFile(t, body.url)).status).toBe(403);
      // A user of another realm: their credentials do not work here, and on their own host the realm does not match.
      expect((await getFile(t, body.url, { as: outsider })).status).toBe(401);
      expect((await getFile(t, body.url, { as: outsider, host: "other.testserver" })).status).toBe(404);
      // A guessed path.
      expect((await getFile(t, body.url.replace(/\/[A-Za-z0-9_-]{24}\//, "/AAAAAAAAAAAAAAAAAAAAAAAA/"), { as: alice })).status).toBe(404);
    });

    test("message links: stream members may read, non-members of a private stream may not; edits report detached_uploads", async () => {
      const carol = await t.user();
      const dave = await t.user();
      const sub = (as: any, name: string, principals: number[], inviteOnly: boolean) =>
        t.api("POST", "/users/me/subscriptions", { as, params: { subscriptions: [{ name }], principals, invite_only: inviteOnly } });
      expect((await sub(alice, `secret-${backend}`, [alice.id, carol.id], true)).status).toBe(200);
      expect((await sub(alice, `public-${backend}`, [alice.id], false)).status).toBe(200);
      const send = async (as: any, stream: string, content: string) => {
        const r = await t.api("POST", "/messages", { as, params: { type: "stream", to: stream, topic: "files", content } });
        expect(r.status).toBe(200);
        return r.body.id as number;
      };
      const { body } = await upload(t, alice, "plan.pdf", new TextEncoder().encode("%PDF-1.4 plan"));
      const pathId = body.url.slice("/user_uploads/".length);
      const status = async (who: any) => (await getFile(t, body.url, { as: who })).status;
      const ok = backend === "s3" ? 302 : 200;
      // Before any message: the uploader only.
      expect(await status(carol)).toBe(404);
      // Dave pastes the URL into a public stream: he cannot read it, so his message links nothing.
      await sub(dave, `public-${backend}`, [dave.id], false);
      await send(dave, `public-${backend}`, `look [plan](${body.url})`);
      expect(await status(dave)).toBe(404);
      // Alice posts it in the private stream: Carol (a member) may read it, Dave (not a member) may not.
      const { result: msgId, events } = await verifyAction(t, alice, () => send(alice, `secret-${backend}`, `the [plan](${body.url})`));
      expect(events.find((e) => e.type === "attachment")).toMatchObject({ op: "update", attachment: { path_id: pathId, messages: [{ id: msgId }] } });
      expect(await status(carol)).toBe(ok);
      expect(await status(dave)).toBe(404);
      // Temporary URLs follow the same rule.
      expect((await t.api("GET", body.url, { as: carol })).status).toBe(200);
      expect((await t.api("GET", body.url, { as: dave })).status).toBe(404);
      const list = await t.api("GET", "/attachments", { as: alice });
      expect(list.body.attachments.find((a: any) => a.path_id === pathId).messages.map((m: any) => m.id)).toEqual([msgId]);
      // Carol re-shares it in the public stream: now Dave can read it too.
      const reshared = await send(carol, `public-${backend}`, `fwd: [plan](${body.url})`);
      expect(await status(dave)).toBe(ok);
      // Deleting the public message takes Dave's access away again.
      expect((await t.api("DELETE", `/messages/${reshared}`, { as: admin })).status).toBe(200);
      expect(await status(dave)).toBe(404);
      // Alice edits the link out: the upload is reported detached, and Carol loses access.
      const edit = await t.api("PATCH", `/messages/${msgId}`, { as: alice, params: { content: "never mind" } });
      expect(edit.status).toBe(200);
      expect(edit.body.detached_uploads.map((d: any) => d.path_id)).toEqual([pathId]);
      expect(await status(carol)).toBe(404);
      expect(await status(alice)).toBe(ok);
      // Editing it back links it again, and reports nothing detached.
      const back = await t.api("PATCH", `/messages/${msgId}`, { as: alice, params: { content: `the [plan](${body.url})` } });
      expect(back.body.detached_uploads).toEqual([]);
      expect(await status(carol)).toBe(ok);
      // A user of another realm never gets it, whatever messages say.
      expect((await getFile(t, body.url, { as: outsider, host: "other.testserver" })).status).toBe(404);
      expect((await getFile(t, body.url)).status).toBe(403);
      // Direct linking API: a sender who cannot read an upload cannot claim it.
      const linkedByDave = await inTx(t.deps, (tx) => linkMessageAttachments(tx, { realmId: t.realm.id, messageId: msgId, senderId: dave.id, uploadPaths: [pathId] }));
      expect(linkedByDave).toEqual([]);
      void relinkMessageAttachments;
    });

    test("temporary URLs: work without credentials for 60 seconds, only for users with access, and not when forged", async () => {
      const { body } = await upload(t, alice, "notes.txt", new TextEncoder().encode("secret notes"));
      const apiPath = body.url.replace(/^\/user_uploads/, "/user_uploads");
      const tmp = await t.api("GET", apiPath, { as: alice });
      expect(tmp.status).toBe(200);
      expect(tmp.body.url).toMatch(/^\/user_uploads\/temporary\/[^/]+\/notes\.txt$/);
      const res = await getFile(t, tmp.body.url, { follow: true });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("secret notes");
      if (backend === "local") {
        // Not an inline type: downloaded, never rendered.
        expect(res.headers.get("content-type")).toBe("application/octet-stream");
        expect(res.headers.get("content-disposition")).toStartWith("attachment");
      }
      // Bob may not mint one.
      expect((await t.api("GET", apiPath, { as: bob })).status).toBe(404);
      // Forged signature.
      const forged = tmp.body.url.replace(/\/temporary\/([^/.]+)\.([^/]+)\//, (_m: string, p: string) => `/temporary/${p}.${"A".repeat(43)}/`);
      expect((await getFile(t, forged)).status).toBe(404);
      // Expired: 61 seconds later.
      const realNow = t.deps.now;
      t.deps.now = () => new Date(realNow().getTime() + 61_000);
      try {
        expect((await getFile(t, tmp.body.url)).status).toBe(404);
      } finally {
        t.deps.now = realNow;
      }
    });

    test("DELETE /attachments/{id}: only the owner; the object is gone; a remove event", async () => {
      const { body } = await upload(t, alice, "gone.txt", new TextEncoder().encode("bye"));
      const pathId = body.url.slice("/user_uploads/".length);
      const id = (await t.api("GET", "/attachments", { as: alice })).body.attachments.find((a: any) => a.path_id === pathId).id;
      const denied = await t.api("DELETE", `/attachments/${id}`, { as: bob });
      expect(denied.status).toBe(400);
      expect(denied.body.msg).toBe("Invalid attachment");
      expect(await storedKeys(t)).toContain(pathId);
      const cap = await captureEvents(t, () => verifyAction(t, alice, () => t.api("DELETE", `/attachments/${id}`, { as: alice })));
      expect(cap.result.result.status).toBe(200);
      // who may: the owner's clients learn of it; who must not: anyone else
      expect(cap.forUser(alice.id)).toMatchObject([{ type: "attachment", op: "remove", attachment: { id } }]);
      expect(cap.forUser(bob.id)).toEqual([]);
      await Bun.sleep(20);
      expect(await storedKeys(t)).not.toContain(pathId);
      expect((await getFile(t, body.url, { as: alice })).status).toBe(404);
    });

    test("bad input: traversal and control characters in filenames are neutralized", async () => {
      for (const [name, want] of [
        ["../../etc/passwd", "passwd"],
        ["..\\..\\windows\\win.ini", "win.ini"],
        ["a\u0000b\u202ec.txt", "abc.txt"],
        ["...", "uploaded-file"],
        ["x".repeat(400) + ".txt", "x".repeat(146) + ".txt"],
      ] as const) {
        const res = await upload(t, alice, name, new TextEncoder().encode("x"));
        expect(res.status).toBe(200);
        expect(res.body.filename).toBe(want);
        const pathId = res.body.url.slice("/user_uploads/".length);
        expect(pathId.split("/").length).toBe(4);
        expect(res.body.url).not.toContain("..");
        expect(await storedKeys(t)).toContain(decodeURIComponent(pathId));
      }
    });

    test("bad input: a spoofed content type never makes HTML inline", async () => {
      const res = await upload(t, alice, "evil.png", HTML, "image/png");
      expect(res.status).toBe(200);
      const served = await getFile(t, res.body.url, { as: alice, follow: true });
      expect(served.status).toBe(200);
      expect(served.headers.get("content-type")).toBe("application/octet-stream");
      if (backend === "local") {
        expect(served.headers.get("content-disposition")).toStartWith("attachment");
        expect(served.headers.get("x-content-type-options")).toBe("nosniff");
      } else {
        // S3 serves the object's stored metadata.
        expect(served.headers.get("content-disposition")).toStartWith("attachment");
      }
    });

    test("bad input: zero-byte file, missing file part, two files, not multipart: clear errors, nothing left", async () => {
      const rows = await attachmentCount(t);
      const keys = (await storedKeys(t)).length;
      const empty = await upload(t, alice, "empty.txt", new Uint8Array(0));
      expect(empty.status).toBe(400);
      expect(empty.body).toMatchObject({ result: "error", code: "BAD_REQUEST", msg: "The uploaded file is empty." });
      const none = await t.api("POST", "/user_uploads", { as: alice, multipart: true, params: { note: "no file here" } });
      expect(none.body).toMatchObject({ result: "error", msg: "You must specify a file to upload" });
      const form = new FormData();
      form.append("a", new File(["one"], "a.txt"));
      form.append("b", new File(["two"], "b.txt"));
      const encoded = new Response(form);
      const type = encoded.headers.get("content-type")!;
      const two = await rawPost(t, "/user_uploads", alice, await encoded.arrayBuffer(), type);
      expect(two.body).toMatchObject({ result: "error", msg: "You may only upload one file at a time" });
      const urlenc = await t.api("POST", "/user_uploads", { as: alice, params: { file: "not a file" } });
      expect(urlenc.body).toMatchObject({ result: "error", msg: "You must specify a file to upload" });
      await noLeftovers(rows, keys);
    });

    test("bad input: an oversized body is refused while streaming, before it is read in full", async () => {
      const rows = await attachmentCount(t);
      const keys = (await storedKeys(t)).length;
      const big = streamingMultipart({ filename: "big.bin", size: 8 * 1024 * 1024 });
      const res = await rawPost(t, "/user_uploads", alice, big.body, big.contentType);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ result: "error", code: "BAD_REQUEST", msg: "Uploaded file is larger than the allowed limit of 1 MiB" });
      // Reading stopped just past the 1 MiB limit.
      expect(big.state.pulled).toBeLessThan(1.5 * 1024 * 1024);
      // A Content-Length that already says "too big" is refused without reading the body.
      const declared = streamingMultipart({ filename: "big.bin", size: 8 * 1024 * 1024 });
      const res2 = await rawPost(t, "/user_uploads", alice, declared.body, declared.contentType, { "content-length": String(8 * 1024 * 1024 + 300) });
      expect(res2.body.msg).toBe("Uploaded file is larger than the allowed limit of 1 MiB");
      expect(declared.state.pulled).toBeLessThan(256 * 1024);
      await noLeftovers(rows, keys);
    });

    test("bad input: an interrupted upload (the client goes away) leaves nothing behind", async () => {
      const rows = await attachmentCount(t);
      const keys = (await storedKeys(t)).length;
      const broken = streamingMultipart({ filename: "half.bin", size: 512 * 1024, failAfter: 200 * 1024 });
      const res = await rawPost(t, "/user_uploads", alice, broken.body, broken.contentType);
      expect(res.status).toBe(400);
      expect(res.body.msg).toBe("The upload was interrupted before the file was complete.");
      // A body that simply ends inside the file part (truncated multipart).
      const trunc = `--XX\r\nContent-Disposition: form-data; name="file"; filename="t.txt"\r\n\r\npartial content without an end`;
      const res2 = await rawPost(t, "/user_uploads", alice, trunc, "multipart/form-data; boundary=XX");
      expect(res2.body.msg).toBe("The upload was interrupted before the file was complete.");
      await noLeftovers(rows, keys);
    });

    test("bad input: a real TCP client that disconnects mid-upload leaves nothing behind", async () => {
      const rows = await attachmentCount(t);
      const keys = (await storedKeys(t)).length;
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: t.app.http.fetch });
      try {
        const head = `--BB\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\n`;
        const sock = await Bun.connect({ hostname: "127.0.0.1", port: server.port!, socket: { data() {} } });
        sock.write(
          `POST /api/v1/user_uploads HTTP/1.1\r\nHost: testserver\r\nAuthorization: ${basic(alice)}\r\n` +
            `Content-Type: multipart/form-data; boundary=BB\r\nContent-Length: 900000\r\n\r\n${head}`,
        );
        sock.write(new Uint8Array(300_000).fill(65));
        await Bun.sleep(100);
        sock.end();
        // Give the server time to notice and clean up.
        for (let i = 0; i < 50 && incomingFiles(t).length; i++) await Bun.sleep(20);
        await Bun.sleep(50);
      } finally {
        server.stop(true);
      }
      await noLeftovers(rows, keys);
    });

    test("limits: 0 disables uploads (and /register says so); the realm quota is enforced", async () => {
      const cfg = t.deps.config as any;
      const before = cfg.maxFileUploadSizeMib;
      const rows = await attachmentCount(t);
      cfg.maxFileUploadSizeMib = 0;
      try {
        const res = await upload(t, alice, "x.txt", new TextEncoder().encode("x"));
        expect(res.body).toMatchObject({ result: "error", msg: "File uploads are disabled on this server." });
        const state = await fetchInitialState({ deps: t.deps, realm: t.realm, user: alice, options: defaultRegisterOptions({ fetchEventTypes: ["realm"] }) });
        expect(state.max_file_upload_size_mib).toBe(0);
      } finally {
        cfg.maxFileUploadSizeMib = before;
      }
      // A 2 MiB file limit but a 1 MiB quota: the quota is what refuses it.
      cfg.realmUploadQuotaMib = 1;
      cfg.maxFileUploadSizeMib = 2;
      try {
        const big = streamingMultipart({ filename: "q.bin", size: 2 * 1024 * 1024 });
        const res = await rawPost(t, "/user_uploads", alice, big.body, big.contentType);
        expect(res.body).toMatchObject({ result: "error", code: "REALM_UPLOAD_QUOTA" });
      } finally {
        cfg.realmUploadQuotaMib = 0;
        cfg.maxFileUploadSizeMib = before;
      }
      expect(await attachmentCount(t)).toBe(rows);
      expect(incomingFiles(t)).toEqual([]);
    });

    test("cleanup deletes uploads no message references after the grace period, and keeps linked ones", async () => {
      const a = await upload(t, bob, "orphan.txt", new TextEncoder().encode("o"));
      const b = await upload(t, bob, "kept.txt", new TextEncoder().encode("k"));
      await inTx(t.deps, (tx) => linkMessageAttachments(tx, { realmId: t.realm.id, messageId: 900100, senderId: bob.id, uploadPaths: [b.body.url] }));
      // Within the grace period nothing goes.
      expect((await cleanupUnclaimedUploads(t.deps, { dryRun: true })).deleted).toBe(0);
      const realNow = t.deps.now;
      t.deps.now = () => new Date(realNow().getTime() + 22 * 86_400_000);
      try {
        const r = await cleanupUnclaimedUploads(t.deps);
        expect(r.deleted).toBeGreaterThanOrEqual(1);
      } finally {
        t.deps.now = realNow;
      }
      await Bun.sleep(20);
      const keys = await storedKeys(t);
      expect(keys).not.toContain(a.body.url.slice("/user_uploads/".length));
      expect(keys).toContain(b.body.url.slice("/user_uploads/".length));
      const names = (await t.api("GET", "/attachments", { as: bob })).body.attachments.map((x: any) => x.name);
      expect(names).toEqual(["kept.txt"]);
    });

    test("the scheduled job (cleanup-unclaimed-uploads) runs the same cleanup through the job queue", async () => {
      expect(registeredSchedules().some((s) => s.name === "cleanup-unclaimed-uploads")).toBe(true);
      const c = await upload(t, bob, "orphan2.txt", new TextEncoder().encode("o"));
      const key = c.body.url.slice("/user_uploads/".length);
      const realNow = t.deps.now;
      t.deps.now = () => new Date(realNow().getTime() + 22 * 86_400_000);
      await t.app.jobs.start();
      try {
        await t.app.jobs.enqueue("uploads_cleanup", {});
        for (let i = 0; i < 100 && (await storedKeys(t)).includes(key); i++) await Bun.sleep(50);
        expect(await storedKeys(t)).not.toContain(key);
      } finally {
        await t.app.jobs.stop(1000);
        t.deps.now = realNow;
      }
    });

    test("avatars: upload, realm_user event, /avatar redirects to the image; non-images refused; delete → generated default", async () => {
      const avatarsBefore = (await storedKeys(t, "avatars")).length;
      const bad = await t.api("POST", "/users/me/avatar", { as: alice, multipart: true, params: { file: new File([HTML], "a.png", { type: "image/png" }) } });
      expect(bad.body).toMatchObject({ result: "error", code: "BAD_IMAGE" });
      const { result, events } = await verifyAction(t, bob, () =>
        t.api("POST", "/users/me/avatar", { as: alice, multipart: true, params: { file: new File([PNG_1x1], "me.png", { type: "image/png" }) } }),
      );
      expect(result.status).toBe(200);
      expect(result.body.avatar_url).toMatch(new RegExp(`^/avatar/${alice.id}\\?v=\\d+$`));
      expect(events[0]).toMatchObject({ type: "realm_user", op: "update", person: { user_id: alice.id, avatar_source: "U" } });
      const me = await t.api("GET", "/users/me", { as: alice });
      expect(me.body.avatar_url).toBe(result.body.avatar_url);
      const res = await getFile(t, `/avatar/${alice.id}`, { as: bob });
      expect(res.status).toBe(302);
      // Resized with jimp: 100×100 and a 500×500 "medium" (PNG IHDR width/height).
      const small = Buffer.from(await (await getFile(t, `/avatar/${alice.id}`, { as: bob, follow: true })).arrayBuffer());
      expect([small.readUInt32BE(16), small.readUInt32BE(20)]).toEqual([100, 100]);
      const img = await getFile(t, `/avatar/${alice.id}/medium`, { as: bob, follow: true });
      expect(img.status).toBe(200);
      expect(img.headers.get("content-type")).toBe("image/png");
      const medium = Buffer.from(await img.arrayBuffer());
      expect([medium.readUInt32BE(16), medium.readUInt32BE(20)]).toEqual([500, 500]);
      expect((await storedKeys(t, "avatars")).length).toBe(avatarsBefore + 2);
      // Outsiders and anonymous viewers get nothing.
      expect((await getFile(t, `/avatar/${alice.id}`, { as: outsider, host: "other.testserver" })).status).toBe(404);
      expect((await getFile(t, `/avatar/${alice.id}`)).status).toBe(403);
      // Back to the default: an SVG drawn here, no third party involved.
      const del = await verifyAction(t, alice, () => t.api("DELETE", "/users/me/avatar", { as: alice, validate: false }));
      expect(del.result.status).toBe(200);
      const svg = await getFile(t, `/avatar/${alice.id}`, { as: bob });
      expect(svg.status).toBe(200);
      expect(svg.headers.get("content-type")).toStartWith("image/svg+xml");
      expect(await svg.text()).toContain(">U");
      await Bun.sleep(20);
      expect((await storedKeys(t, "avatars")).length).toBe(avatarsBefore);
    });

    test("custom emoji images are served at their /user_avatars/{realm}/emoji/images/ source_url", async () => {
      const up = await t.api("POST", "/realm/emoji/uploads_test", { as: alice, multipart: true, params: { f: new File([PNG_1x1], "e.png") } });
      expect(up.status).toBe(200);
      const list = await t.api("GET", "/realm/emoji", { as: alice });
      const emoji = Object.values(list.body.emoji as Record<string, any>).find((e) => e.name === "uploads_test");
      const res = await getFile(t, emoji.source_url);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("image/png");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(Buffer.from(await res.arrayBuffer()).equals(PNG_1x1)).toBe(true);
      expect((await getFile(t, `/user_avatars/${t.realm.id}/emoji/images/..%2F..%2Fhearth.db`)).status).toBe(404);
    });

    test("realm icon and logo: admins only, update_dict events, /register shows the new URLs", async () => {
      const denied = await t.api("POST", "/realm/icon", { as: alice, multipart: true, validate: false, params: { file: new File([PNG_1x1], "i.png") } });
      expect(denied.body.msg).toBe("Must be an organization administrator");
      const icon = await verifyAction(t, alice, async () => {
        const r = await t.api("POST", "/realm/icon", { as: admin, multipart: true, validate: false, params: { file: new File([PNG_1x1], "i.png") } });
        expect(r.body).toMatchObject({ result: "success" });
        return r;
      });
      expect(icon.events[0]).toMatchObject({ type: "realm", op: "update_dict", property: "icon", data: { icon_source: "U" } });
      const night = await verifyAction(t, alice, () =>
        t.api("POST", "/realm/logo", { as: admin, multipart: true, validate: false, params: { night: "true", file: new File([PNG_1x1], "l.png") } }),
      );
      expect(night.events[0]).toMatchObject({ property: "night_logo", data: { night_logo_source: "U" } });
      const realm = (await realmById(t.store, t.realm.id))!;
      const state = await fetchInitialState({ deps: t.deps, realm, user: alice, options: defaultRegisterOptions({ fetchEventTypes: ["realm"] }) });
      expect(state.realm_icon_url).toMatch(/^\/user_avatars\//);
      expect(state.realm_logo_source).toBe("D");
      expect(state.realm_night_logo_source).toBe("U");
      const served = await getFile(t, state.realm_night_logo_url as string, { follow: true });
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer()).subarray(0, 8).equals(PNG_1x1.subarray(0, 8))).toBe(true);
      // A decompression bomb (a PNG header claiming 100000×100000 pixels) is refused before decoding.
      const bomb = Buffer.from(PNG_1x1);
      bomb.writeUInt32BE(100000, 16);
      bomb.writeUInt32BE(100000, 20);
      const refused = await t.api("POST", "/realm/icon", { as: admin, multipart: true, validate: false, params: { file: new File([bomb], "bomb.png") } });
      expect(refused.body).toMatchObject({ result: "error", code: "BAD_IMAGE" });
      await verifyAction(t, alice, () => t.api("DELETE", "/realm/logo?night=true", { as: admin, validate: false }));
      await verifyAction(t, alice, () => t.api("DELETE", "/realm/icon", { as: admin, validate: false }));
    });
  }, { config: backend === "s3" ? { maxFileUploadSizeMib: 1, ...s3ConfigFor() } : { maxFileUploadSizeMib: 1 } });
}

// s3rver buckets per dialect: forEachDialect runs both suites in this file, so each
// backend-dialect pair needs its own buckets to keep the "nothing left behind" checks exact.
let s3Seq = 0;
function s3ConfigFor() {
  return s3Config(s3, ++s3Seq === 1 ? "sqlite" : "pg");
}

suite("local");
suite("s3");
