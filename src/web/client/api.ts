// The /json API as the web client uses it: session cookie + X-CSRFToken, Zulip's
// {result, msg, code} errors as ApiFailure, uploads through XHR for progress events.
import { csrfToken } from "./csrf.ts";

export class ApiFailure extends Error {
  constructor(readonly status: number, msg: string, readonly code: string, readonly body: Record<string, unknown>) {
    super(msg);
  }
}

type Params = Record<string, unknown>;

function encode(params: Params): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out.set(k, typeof v === "string" ? v : JSON.stringify(v));
  }
  return out;
}

export async function api<T = any>(method: string, path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  let url = `/json${path}`;
  const init: RequestInit = { method, credentials: "same-origin", headers: { "x-csrftoken": csrfToken(), accept: "application/json" }, signal };
  if (method === "GET" || method === "DELETE") {
    const q = encode(params).toString();
    if (q) url += `?${q}`;
  } else {
    init.body = encode(params);
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiFailure(0, "Cannot reach the server.", "NETWORK", {});
  }
  let body: any = null;
  try {
    body = await res.json();
  } catch {
    body = { result: "error", msg: `HTTP ${res.status}`, code: "BAD_RESPONSE" };
  }
  if (!res.ok || body?.result !== "success") {
    if (res.status === 401 && body?.code !== "BAD_EVENT_QUEUE_ID") onUnauthenticated();
    throw new ApiFailure(res.status, body?.msg || `HTTP ${res.status}`, body?.code || "BAD_REQUEST", body ?? {});
  }
  return body as T;
}

let unauthenticatedHandled = false;
function onUnauthenticated() {
  // The session ended (logout in another tab, expiry): back to the login page once.
  if (unauthenticatedHandled) return;
  unauthenticatedHandled = true;
  location.assign(`/login?next=${encodeURIComponent(location.pathname + location.hash)}`);
}

export interface UploadHandle {
  promise: Promise<{ url: string; filename: string }>;
  abort(): void;
}

/** POST /json/user_uploads with progress (fetch has no upload progress). */
export function upload(file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<{ url: string; filename: string }>((resolve, reject) => {
    xhr.open("POST", "/json/user_uploads");
    xhr.setRequestHeader("x-csrftoken", csrfToken());
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiFailure(0, "Upload failed: cannot reach the server.", "NETWORK", {}));
    xhr.onabort = () => reject(new ApiFailure(0, "Upload cancelled.", "ABORTED", {}));
    xhr.onload = () => {
      let body: any = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* e.g. a proxy's HTML 413 page */
      }
      if (xhr.status === 413) return reject(new ApiFailure(413, body.msg || "File is larger than this server allows.", "FILE_TOO_LARGE", body));
      if (xhr.status >= 400 || body.result !== "success") return reject(new ApiFailure(xhr.status, body.msg || `Upload failed (HTTP ${xhr.status}).`, body.code || "BAD_REQUEST", body));
      resolve({ url: body.url ?? body.uri, filename: body.filename ?? file.name });
    };
    const fd = new FormData();
    fd.append("file", file, file.name);
    xhr.send(fd);
  });
  return { promise, abort: () => xhr.abort() };
}
