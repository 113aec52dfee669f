// Organization settings (PATCH /realm) and the audit log (admins).
import type { ApiRouter } from "../router.ts";
import type { AuthedCtx } from "../context.ts";
import { updateRealmSettings } from "../../actions/realms.ts";
import { auditJson, listAudit } from "../../actions/audit.ts";
import { REALM_SETTING_VALIDATORS } from "../../domain/realm-settings.ts";

/** Settings Zulip clients send as plain strings rather than JSON. */
const RAW_STRING = new Set(["name", "description", "default_language"]);

export function registerRealmRoutes(r: ApiRouter) {
  r.patch("/realm", async (ctx: AuthedCtx) => {
    const changes: Record<string, unknown> = {};
    for (const k of Object.keys(REALM_SETTING_VALIDATORS)) {
      if (!ctx.params.has(k)) continue;
      const raw = ctx.params.str(k);
      if (RAW_STRING.has(k)) changes[k] = raw;
      else {
        try {
          changes[k] = JSON.parse(raw);
        } catch {
          changes[k] = raw; // e.g. an unquoted jitsi_server_url; the validator decides
        }
      }
    }
    const changed = await updateRealmSettings(ctx.deps, ctx.user, ctx.realm.id, changes);
    return Object.fromEntries(changed.map((k) => [k, changes[k]]));
  });

  r.get("/realm/audit_log", async (ctx: AuthedCtx) => {
    const rows = await listAudit(ctx.deps, ctx.user, ctx.realm.id, {
      limit: ctx.params.int("limit", { optional: true }),
      before: ctx.params.int("before", { optional: true }),
      eventType: ctx.params.str("event_type", { optional: true }),
    });
    return { audit_log: rows.map(auditJson) };
  });
}
