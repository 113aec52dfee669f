// /ws: the same queue as GET /events, pushed over a WebSocket on a real listener.
import { test, expect, beforeAll } from "bun:test";
import { forEachDialect, type TestEnv } from "../helpers/app.ts";
import { validateEvent } from "../helpers/openapi.ts";
import { emit, poll, renameRealm } from "./helpers.ts";
import { recordServerVersion, currentVersion } from "../../src/events/restart.ts";

/** A WebSocket client that collects frames and can wait for them. */
class Client {
  frames: any[] = [];
  closed: { code: number } | null = null;
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.onmessage = (m) => {
      this.frames.push(JSON.parse(String(m.data)));
      for (const w of this.waiters.splice(0)) w();
    };
    ws.onclose = (e) => {
      this.closed = { code: e.code };
      for (const w of this.waiters.splice(0)) w();
    };
  }
  static async open(t: TestEnv, user: { email: string; apiKey: string } | null, query = ""): Promise<Client> {
    const url = `ws://127.0.0.1:${t.app.server!.port}/ws${query}`;
    const headers: Record<string, string> = user ? { authorization: "Basic " + Buffer.from(`${user.email}:${user.apiKey}`).toString("base64") } : {};
    const ws = new WebSocket(url, { headers } as never);
    const c = new Client(ws);
    await new Promise<void>((res, rej) => {
      ws.onopen = () => res();
      ws.onerror = () => rej(new Error("websocket refused"));
    });
    return c;
  }
  send(msg: unknown) {
    this.ws.send(JSON.stringify(msg));
  }
  async until(pred: (frames: any[]) => boolean, ms = 3000): Promise<any[]> {
    const end = Date.now() + ms;
    while (!pred(this.frames)) {
      if (Date.now() > end) throw new Error(`timed out; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await Promise.race([new Promise<void>((r) => this.waiters.push(r)), Bun.sleep(50)]);
    }
    return this.frames;
  }
  events() {
    // Replies carry "result"; events never do (they may have their own "op").
    return this.frames.filter((f) => f.result === undefined);
  }
}

forEachDialect("websocket", (t) => {
  beforeAll(async () => {
    await t.app.start();
  });

  test("a connection without valid credentials is refused; a valid API key is accepted", async () => {
    await expect(Client.open(t, null)).rejects.toThrow("refused");
    const u = await t.user();
    await expect(Client.open(t, { email: u.email, apiKey: "x".repeat(32) })).rejects.toThrow("refused");
    const ok = await Client.open(t, u);
    ok.ws.close();
  });

  test("register over the socket, then events are pushed as they happen, to recipients only", async () => {
    const a = await t.user();
    const b = await t.user();
    const ca = await Client.open(t, a);
    const cb = await Client.open(t, b);
    ca.send({ op: "register", req: 1, event_types: ["realm"], fetch_event_types: ["realm"] });
    cb.send({ op: "register", req: 2, event_types: ["realm"], fetch_event_types: ["realm"] });
    const [ra] = await ca.until((f) => f.length >= 1);
    await cb.until((f) => f.length >= 1);
    expect(ra).toMatchObject({ op: "register", req: 1, result: "success", realm_name: expect.any(String) });
    expect(typeof ra.queue_id).toBe("string");
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "Pushed" }, userIds: [a.id] });
    await ca.until(() => ca.events().length >= 1);
    const [ev] = ca.events();
    expect(ev).toMatchObject({ type: "realm", op: "update", property: "name", value: "Pushed" });
    expect(ev.id).toBeGreaterThan(ra.last_event_id);
    validateEvent(ev);
    await Bun.sleep(50);
    expect(cb.events()).toEqual([]);
    expect(t.app.events.stats().wsConnections).toBeGreaterThanOrEqual(2);
    ca.ws.close();
    cb.ws.close();
  });

  test("after a dropped connection, re-attaching with the last id replays what was missed", async () => {
    const a = await t.user();
    const reg = (await t.api("POST", "/register", { as: a, params: { event_types: ["realm"] } })).body;
    const c1 = await Client.open(t, a, `?queue_id=${reg.queue_id}&last_event_id=${reg.last_event_id}`);
    await c1.until((f) => f.length >= 1);
    expect(c1.frames[0]).toMatchObject({ op: "attach", result: "success", queue_id: reg.queue_id });
    await renameRealm(t.deps, t.realm.id, "First");
    await c1.until(() => c1.events().length >= 1);
    const firstId = c1.events()[0].id;
    c1.send({ op: "ack", last_event_id: firstId });
    c1.ws.close();
    await c1.until(() => c1.closed !== null);
    await renameRealm(t.deps, t.realm.id, "Second");
    await renameRealm(t.deps, t.realm.id, "Test Org");
    const c2 = await Client.open(t, a);
    c2.send({ op: "attach", req: "x", queue_id: reg.queue_id, last_event_id: firstId });
    await c2.until(() => c2.events().length >= 2);
    expect(c2.frames[0]).toMatchObject({ op: "attach", req: "x", result: "success" });
    expect(c2.events().map((e) => e.value)).toEqual(["Second", "Test Org"]);
    // The long-poll view of the same queue agrees on ids.
    const lp = await poll(t, a, reg.queue_id, firstId, true);
    expect(lp.body.events.map((e: any) => e.id)).toEqual(c2.events().map((e) => e.id));
    c2.ws.close();
  });

  test("attaching to an unknown or another user's queue fails with BAD_EVENT_QUEUE_ID", async () => {
    const a = await t.user();
    const b = await t.user();
    const reg = (await t.api("POST", "/register", { as: a })).body;
    const cb = await Client.open(t, b);
    cb.send({ op: "attach", queue_id: reg.queue_id, last_event_id: -1 });
    const [r] = await cb.until((f) => f.length >= 1);
    expect(r).toMatchObject({ op: "attach", result: "error", code: "BAD_EVENT_QUEUE_ID", queue_id: reg.queue_id });
    await emit(t.deps, { event: { type: "realm", op: "update", property: "name", value: "Private" }, userIds: [a.id] });
    await Bun.sleep(50);
    expect(cb.events()).toEqual([]);
    cb.ws.close();
  });

  test("deleting the queue tells the attached socket and closes it", async () => {
    const a = await t.user();
    const reg = (await t.api("POST", "/register", { as: a })).body;
    const c = await Client.open(t, a, `?queue_id=${reg.queue_id}`);
    await c.until((f) => f.length >= 1);
    await t.api("DELETE", "/events", { as: a, params: { queue_id: reg.queue_id } });
    await c.until(() => c.closed !== null);
    expect(c.frames.at(-1)).toMatchObject({ result: "error", code: "BAD_EVENT_QUEUE_ID" });
    expect(c.closed!.code).toBe(4000);
  });

  test("a changed server version is recorded once (a restart event is due only then)", async () => {
    const cur = currentVersion();
    expect(await recordServerVersion(t.deps, cur)).toBeNull();
    const next = { ...cur, hearth_version: "99.0.0" };
    expect(await recordServerVersion(t.deps, next)).toMatchObject({ hearth_version: cur.hearth_version });
    expect(await recordServerVersion(t.deps, next)).toBeNull();
    await recordServerVersion(t.deps, cur);
  });
});

forEachDialect("graceful shutdown", (t) => {
  test("stop answers held long-polls at once and closes sockets with 1012", async () => {
    await t.app.start();
    const a = await t.user();
    const reg = (await t.api("POST", "/register", { as: a })).body;
    const reg2 = (await t.api("POST", "/register", { as: a })).body;
    const c = await Client.open(t, a, `?queue_id=${reg2.queue_id}`);
    await c.until((f) => f.length >= 1);
    // (not validated: the first schema compile would dominate the timing)
    const held = poll(t, a, reg.queue_id, reg.last_event_id, false, false);
    await Bun.sleep(100);
    expect(t.app.events.stats().heldPolls).toBe(1);
    const started = performance.now();
    const stopping = t.app.stop({ graceMs: 5000 });
    const r = await held;
    expect(performance.now() - started).toBeLessThan(500);
    await stopping;
    expect(r.body.events.map((e: any) => e.type)).toEqual(["heartbeat"]);
    await c.until(() => c.closed !== null);
    expect(c.closed!.code).toBe(1012);
  });
}, { config: { eventHeartbeatSeconds: 30 } });

forEachDialect("websocket and the session cookie", (t) => {
  beforeAll(async () => {
    await t.app.start();
  });

  test("a same-origin page may use its session; another site, a null or a malformed Origin may not", async () => {
    const u = await t.user({ password: "correct horse battery 9" });
    const login = await t.app.http.fetch(new Request("http://testserver/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: u.email, password: "correct horse battery 9" }),
    }));
    const cookie = login.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
    expect(cookie).toContain("hearth_session=");
    const port = t.app.server!.port;
    const open = (origin: string | null) =>
      new Promise<string>((resolve) => {
        const headers: Record<string, string> = { cookie, host: `127.0.0.1:${port}` };
        if (origin !== null) headers.origin = origin;
        const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers } as never);
        ws.onopen = () => {
          ws.close();
          resolve("open");
        };
        ws.onerror = () => resolve("refused");
      });
    expect(await open(`http://127.0.0.1:${port}`)).toBe("open");
    for (const bad of ["http://evil.example", "null", "::not a url::"]) expect(await open(bad)).toBe("refused");
    // A refused handshake is a clean 401, not a server error.
    const r = await fetch(`http://127.0.0.1:${port}/ws`, { headers: { cookie, origin: "::not a url::", upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" } });
    expect(r.status).toBe(401);
  });
});
