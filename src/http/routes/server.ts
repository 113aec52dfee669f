// Unauthenticated server facts: GET /api/v1/server_settings.
import type { ApiRouter } from "../router.ts";
import type { ApiCtx } from "../context.ts";
import { ZULIP_FEATURE_LEVEL, ZULIP_MERGE_BASE, ZULIP_VERSION } from "../../lib/version.ts";
import { realmUrl } from "../urls.ts";

export function registerServerRoutes(r: ApiRouter) {
  r.get(
    "/server_settings",
    (ctx: ApiCtx) => {
      const { config } = ctx.deps;
      const realm = ctx.realm;
      const url = realm ? realmUrl(config, realm.stringId) : realmUrl(config, "");
      return {
        authentication_methods: {
          password: true, dev: config.developmentMode, email: true, ldap: false, remoteuser: Boolean(config.remoteUserHeader),
          github: false, azuread: false, gitlab: false, apple: false, google: false, saml: false,
          "openid connect": false,
        },
        external_authentication_methods: [],
        zulip_version: ZULIP_VERSION,
        zulip_merge_base: ZULIP_MERGE_BASE,
        zulip_feature_level: ZULIP_FEATURE_LEVEL,
        push_notifications_enabled: false,
        is_incompatible: false,
        email_auth_enabled: true,
        require_email_format_usernames: true,
        realm_url: url,
        realm_uri: url,
        realm_name: realm?.name ?? "",
        realm_icon: realm?.iconUrl ?? "/static/images/logo/hearth-icon.svg",
        realm_description: realm?.description ?? "",
        realm_web_public_access_enabled: false,
      };
    },
    { auth: "none", realmOptional: true },
  );
}
