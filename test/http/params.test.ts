// Zulip parameter parsing (ZULIP-API.md §1): query + body for every method, urlencoded and
// multipart bodies, JSON-encoded non-strings, clear errors naming the variable.
import { test, expect } from "bun:test";
import { Params, check } from "../../src/http/params.ts";
import { ApiError } from "../../src/domain/errors.ts";

async function parse(method: string, url: string, body?: BodyInit, headers?: Record<string, string>) {
  const req = new Request(url, { method, body, headers });
  return Params.fromRequest(req, new URL(url));
}

function errorOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

test("query and urlencoded body are merged for POST", async () => {
  const p = await parse("POST", "http://x/a?type=stream", new URLSearchParams({ to: "general", topic: "t" }));
  expect([p.str("type"), p.str("to"), p.str("topic")]).toEqual(["stream", "general", "t"]);
});

test("multipart bodies (zulip-js sends every POST this way) are read, files kept", async () => {
  const fd = new FormData();
  fd.append("content", "hello");
  fd.append("to", JSON.stringify([1, 2]));
  fd.append("file", new File(["abc"], "a.txt", { type: "text/plain" }));
  const p = await parse("POST", "http://x/a", fd);
  expect(p.str("content")).toBe("hello");
  expect(p.json("to", check.intList)).toEqual([1, 2]);
  const files = p.uploadedFiles();
  expect(files.map((f) => [f.field, f.file.name])).toEqual([["file", "a.txt"]]);
});

test("PATCH and DELETE read the query string (zulip-js) and the body (python)", async () => {
  const q = await parse("PATCH", "http://x/m/1?content=new&propagate_mode=change_all");
  expect([q.str("content"), q.str("propagate_mode")]).toEqual(["new", "change_all"]);
  const b = await parse("DELETE", "http://x/s", new URLSearchParams({ subscriptions: '["a"]' }));
  expect(b.json("subscriptions", check.strList)).toEqual(["a"]);
});

test("ints, booleans and JSON are validated with Zulip's codes and var_name", async () => {
  const p = await parse("GET", "http://x/a?n=12&q=%2212%22&b=true&bad=1.5&badb=maybe&j=%5B1%2C&l=%5B%22x%22%5D");
  expect(p.int("n")).toBe(12);
  expect(p.int("q")).toBe(12);
  expect(p.bool("b", false)).toBe(true);
  expect(p.bool("absent", false)).toBe(false);
  const e1 = errorOf(() => p.int("bad"));
  expect([e1.code, e1.data.var_name]).toEqual(["REQUEST_VARIABLE_INVALID", "bad"]);
  expect(errorOf(() => p.bool("badb", false)).code).toBe("REQUEST_VARIABLE_INVALID");
  expect(errorOf(() => p.json("j", check.any)).code).toBe("INVALID_JSON");
  expect(errorOf(() => p.json("l", check.intList)).code).toBe("REQUEST_VARIABLE_INVALID");
  const m = errorOf(() => p.str("content"));
  expect([m.code, m.message, m.data.var_name, m.status]).toEqual(["REQUEST_VARIABLE_MISSING", "Missing 'content' argument", "content", 400]);
});

test("parameters a handler never read are reported as ignored", async () => {
  const p = await parse("GET", "http://x/a?used=1&extra=2&other=3");
  p.str("used");
  expect(p.ignored().sort()).toEqual(["extra", "other"]);
});

test("a malformed multipart body is a clear 400, not a crash", async () => {
  const p = parse("POST", "http://x/a", "--nope\r\ngarbage", { "content-type": "multipart/form-data; boundary=zzz" });
  await expect(p).rejects.toBeInstanceOf(ApiError);
});
