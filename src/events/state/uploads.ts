// /register: upload limits and the realm logos (the realm provider serves the icon), and
// `attachment` events, which change no snapshot key (clients fetch GET /attachments).
import type { StateProvider } from "./types.ts";
import { realmImages } from "../../actions/avatars.ts";

export const uploadsStateProvider: StateProvider = {
  name: "uploads",
  fetchTypes: ["realm"],
  async fetch(ctx) {
    const { config } = ctx.deps;
    const images = await realmImages(ctx.deps, ctx.realm.id);
    return {
      max_file_upload_size_mib: config.maxFileUploadSizeMib,
      realm_upload_quota_mib: config.realmUploadQuotaMib > 0 ? config.realmUploadQuotaMib : null,
      realm_logo_url: images.realm_logo.url,
      realm_logo_source: images.realm_logo.source,
      realm_night_logo_url: images.realm_night_logo.url,
      realm_night_logo_source: images.realm_night_logo.source,
    };
  },
  apply(_state, event) {
    return event.type === "attachment";
  },
};
