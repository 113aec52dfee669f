// Uploads over HTTP (docs/uploads.md). API routes: POST /user_uploads (the body is
// streamed, never buffered), GET /user_uploads/{realm_id}/{path} (a temporary URL),
// /attachments, avatars, realm icon and logo. Raw routes outside /api/v1 and /json
// (mountUploadFiles): the files themselves, /avatar/{id}, /user_avatars/{key}; those
// accept the session cookie or HTTP Basic email:api_key, as Zulip's mobile app sends it.
import type { Context, Hono } from "hono";
import type { ApiRouter } from "../router.ts";
import type { ApiCtx, AuthedCtx, HttpDeps } from "../context.ts";
import { Params } from "../params.ts";
import { errorResponse } from "../errors.ts";
import { realmOfRequest } from "../realm.ts";
import { clientIp } from "../ip.ts";
import { errors } from "../../domain/errors.ts";
import { gravatarUrl } from "../../domain/avatars.ts";
import { uploadFile, uploadErrors, dispositionFor } from "../../actions/uploads.ts";
import {
  TEMPORARY_URL_SECONDS, accessibleUpload, listAttachments, pathIdFromUploadPath, removeAttachment, temporaryUploadUrl, uploadForToken,
} from "../../actions/attachments.ts";
import { avatarOf, deleteAvatar, deleteRealmImage, setAvatar, setRealmImage, storedImageForKey } from "../../actions/avatars.ts";
import { MultipartReader, boundaryOf, formParts, type FormPart } from "../../uploads/multipart.ts";
import { IMAGE_TYPES, INLINE_TYPES, sniff } from "../../uploads/sniff.ts";
import { readEmojiFile } from "../../storage/emoji-files.ts";
import { storageFor, type Storage } from "../../uploads/storage.ts";
import { redirectTo, safeHeaders, serveFile } from "../../uploads/serve.ts";
import { defaultAvatarSvg } from "../../uploads/default-avatar.ts";
import { mediumKeyOf } from "../../uploads/images.ts";

type AttachmentRow = NonNullable<Awaited<ReturnType<typeof uploadForToken>>>;
type UserRow = NonNullable<ApiCtx["user"]>;

/** Runs `fn` over the streamed multipart parts of the request; the body is released afterwards. */
async function withParts<T>(ctx: ApiCtx, fn: (parts: AsyncIterable<FormPart>, declaredLength?: number) => Promise<T>): Promise<T> {
  const boundary = boundaryOf(ctx.req.headers.get("content-type"));
  if (!boundary || !ctx.req.body) throw uploadErrors.noFile();
  const reader = new MultipartReader(ctx.req.body, boundary);
  const cl = ctx.req.headers.get("content-length");
  try {
    return await fn(formParts(reader), cl && /^\d+$/.test(cl) ? Number(cl) : undefined);
  } finally {
    // Stops reading at once when the action refused the upload part-way.
    await reader.cancel();
  }
}

export function registerUploadRoutes(r: ApiRouter) {
  r.post(
    "/user_uploads",
    async (ctx: AuthedCtx) => {
      const res = await withParts(ctx, (parts, declaredLength) => uploadFile(ctx.deps, ctx.realm, ctx.user, parts, { declaredLength }));
      return { uri: res.url, url: res.url, filename: res.filename };
    },
    { streamBody: true },
  );

  r.get("/user_uploads/:realm_id{[0-9]+}/:filename{.+}", async (ctx: AuthedCtx) => {
    const m = /\/user_uploads\/(\d+\/.+)$/.exec(ctx.url.pathname);
    const pathId = m ? pathIdFromUploadPath(m[1]!) : null;
    if (!pathId || Number(m![1]!.split("/")[0]) !== ctx.realm.id) throw errors.notFound("The requested file could not be found.");
    return { url: await temporaryUploadUrl(ctx.deps, ctx.user, pathId) };
  });

  r.get("/attachments", async (ctx: AuthedCtx) => listAttachments(ctx.deps, ctx.user));

  r.delete("/attachments/:attachment_id{[0-9]+}", async (ctx: AuthedCtx) => {
    await removeAttachment(ctx.deps, ctx.user, Number(ctx.c.req.param("attachment_id")));
    return {};
  });

  r.post("/users/me/avatar", async (ctx: AuthedCtx) => withParts(ctx, (parts, len) => setAvatar(ctx.deps, ctx.realm, ctx.user, parts, len)), {
    streamBody: true,
  });
  r.delete("/users/me/avatar", async (ctx: AuthedCtx) => deleteAvatar(ctx.deps, ctx.user));

  r.post("/realm/icon", async (ctx: AuthedCtx) => withParts(ctx, (parts, len) => setRealmImage(ctx.deps, ctx.realm, ctx.user, "icon", parts, { declaredLength: len })), {
    streamBody: true,
  });
  r.delete("/realm/icon", async (ctx: AuthedCtx) => deleteRealmImage(ctx.deps, ctx.realm, ctx.user, "realm_icon"));
  r.post(
    "/realm/logo",
    async (ctx: AuthedCtx) => {
      const night = ctx.params.bool("night", null) ?? undefined;
      return withParts(ctx, (parts, len) => setRealmImage(ctx.deps, ctx.realm, ctx.user, "logo", parts, { nightFromQuery: night, declaredLength: len }));
    },
    { streamBody: true },
  );
  r.delete("/realm/logo", async (ctx: AuthedCtx) => {
    const night = ctx.params.bool("night", false);
    return deleteRealmImage(ctx.deps, ctx.realm, ctx.user, night ? "realm_night_logo" : "realm_logo");
  });
}

// ---- the files themselves ------------------------------------------------------------------

/** The realm of the Host and the user behind the session cookie or Basic credentials (or null). */
async function viewer(c: Context, deps: HttpDeps): Promise<{ user: UserRow | null; realmId: number | null }> {
  const url = new URL(c.req.url);
  const realm = await realmOfRequest(deps, c);
  if (!realm || realm.deactivated) return { user: null, realmId: null };
  const ctx: ApiCtx = {
    c, req: c.req.raw, url, deps, params: Params.fromQuery(url),
    requestId: (c.get("requestId" as never) as string) ?? "-",
    surface: "json", realm, user: null, ip: clientIp(c, deps.config.trustedProxies),
  };
  const authz = c.req.header("authorization");
  const user = authz && /^basic\s/i.test(authz) ? await deps.auth.basic(ctx, authz) : await deps.auth.session(ctx);
  if (user) c.set("userId" as never, user.id as never);
  return { user, realmId: realm.id };
}

const notFound = () => errors.notFound("File not found");

async function sendUpload(c: Context, storage: Storage, a: AttachmentRow): Promise<Response> {
  if (storage.presign) return redirectTo(storage.presign("uploads", a.pathId, TEMPORARY_URL_SECONDS));
  const path = storage.localPath!("uploads", a.pathId);
  if (!(await Bun.file(path).exists())) throw notFound();
  return serveFile(c.req.raw, path, {
    contentType: a.contentType,
    contentDisposition: dispositionFor(INLINE_TYPES.has(a.contentType), a.fileName),
    etag: a.sha256.slice(0, 32),
    size: a.size,
  });
}

/** The URL of a stored image in the avatar bucket: served by us (local) or by the bucket (S3). */
function imageLocation(deps: HttpDeps, key: string): string {
  const storage = storageFor(deps.config);
  if (!storage.presign) return `/user_avatars/${key}`;
  if (deps.config.s3AvatarPublicUrl) return `${deps.config.s3AvatarPublicUrl.replace(/\/+$/, "")}/${key}`;
  return storage.presign("avatars", key, TEMPORARY_URL_SECONDS);
}

export function mountUploadFiles(app: Hono, deps: HttpDeps) {
  const wrap = (fn: (c: Context) => Promise<Response>) => async (c: Context) => {
    try {
      return await fn(c);
    } catch (e) {
      return errorResponse(c, e, deps.log, (c.get("requestId" as never) as string) ?? "-");
    }
  };

  // Credential-free, for the 60 seconds the signature lasts.
  app.get(
    "/user_uploads/temporary/:token/:filename",
    wrap(async (c) => {
      const a = await uploadForToken(deps, c.req.param("token")!);
      if (!a) throw notFound();
      return sendUpload(c, storageFor(deps.config), a);
    }),
  );

  app.get(
    "/user_uploads/:realm_id{[0-9]+}/:rest{.+}",
    wrap(async (c) => {
      const { user, realmId } = await viewer(c, deps);
      if (!user) throw errors.forbidden("Not logged in: API authentication or user session required");
      const m = /^\/user_uploads\/(.+)$/.exec(new URL(c.req.url).pathname);
      const pathId = m ? pathIdFromUploadPath(m[1]!) : null;
      if (!pathId || Number(pathId.split("/")[0]) !== realmId) throw notFound();
      // Same answer for "missing" and "not yours": the URL's existence is itself a secret.
      const a = await accessibleUpload(deps, user, pathId);
      if (!a) throw notFound();
      return sendUpload(c, storageFor(deps.config), a);
    }),
  );

  const avatar = (medium: boolean) =>
    wrap(async (c) => {
      const { user } = await viewer(c, deps);
      if (!user) throw errors.forbidden("Not logged in: API authentication or user session required");
      const target = await avatarOf(deps, user, c.req.param("who")!);
      if (!target) throw notFound();
      if (target.image) return redirectTo(imageLocation(deps, (medium && mediumKeyOf(target.image.key)) || target.image.key), 0);
      if (deps.config.enableGravatar) return redirectTo(gravatarUrl(target.user.deliveryEmail, target.user.avatarVersion, medium));
      return new Response(defaultAvatarSvg(target.user.id, target.user.fullName, medium ? 500 : 100), {
        headers: {
          "content-type": "image/svg+xml; charset=utf-8",
          "x-content-type-options": "nosniff",
          "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
          "referrer-policy": "no-referrer",
          // The URL carries ?v=avatar_version, but a renamed user's initials change without it.
          "cache-control": "private, max-age=300",
        },
      });
    });
  app.get("/avatar/:who", avatar(false));
  app.get("/avatar/:who/medium", avatar(true));

  // Avatars, realm icons and logos: public under unguessable keys, like Zulip's
  // world-readable avatar bucket (emails and logged-out pages show them).
  app.get(
    "/user_avatars/:key{.+}",
    wrap(async (c) => {
      let key: string;
      try {
        key = decodeURIComponent(new URL(c.req.url).pathname.slice("/user_avatars/".length));
      } catch {
        throw notFound();
      }
      // Custom emoji (written by the realm-emoji area under <data_dir>/uploads/emoji/).
      const em = /^(\d+)\/emoji\/images\/([A-Za-z0-9_-][A-Za-z0-9_.-]{0,200})$/.exec(key);
      if (em) {
        const bytes = await readEmojiFile(deps.config.dataDir, Number(em[1]), em[2]!);
        const type = bytes && sniff(bytes.subarray(0, 64));
        if (!bytes || !type || !IMAGE_TYPES.has(type)) throw notFound();
        const h = safeHeaders({ contentType: type, contentDisposition: dispositionFor(true, em[2]!) });
        h.set("cache-control", "public, max-age=86400");
        return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: h });
      }
      const img = await storedImageForKey(deps, key);
      if (!img) throw notFound();
      const storage = storageFor(deps.config);
      if (storage.presign) return redirectTo(imageLocation(deps, key));
      const path = storage.localPath!("avatars", key);
      const file = Bun.file(path);
      if (!(await file.exists())) throw notFound();
      return serveFile(c.req.raw, path, {
        contentType: img.contentType,
        contentDisposition: dispositionFor(true, key.split("/").pop()!),
        etag: img.sha256.slice(0, 32),
        size: file.size,
        cacheControl: "public, max-age=31536000, immutable",
      });
    }),
  );
}
