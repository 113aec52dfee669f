import type { Command } from "../commands.ts";
import { cliDeps } from "../shared.ts";
import { createRealm } from "../../actions/realms.ts";
import { realmUrl } from "../../http/urls.ts";
import { UsageError } from "../args.ts";

export const realmCreateCommand: Command = {
  name: "realm create",
  usage: "realm create --name NAME [--subdomain SUB] [--json]",
  summary: "Create an organization, served at SUB.<external host> (or the host itself without --subdomain).",
  valueFlags: ["name", "subdomain"],
  booleanFlags: ["json"],
  maxPositional: 0,
  async run(args, io) {
    if (typeof args.flags.name !== "string") throw new UsageError("--name is required");
    const deps = await cliDeps(args);
    try {
      const realm = await createRealm(deps, {
        name: args.flags.name,
        subdomain: typeof args.flags.subdomain === "string" ? args.flags.subdomain : "",
      });
      const url = realmUrl(deps.config, realm.stringId);
      if (args.flags.json) io.out(JSON.stringify({ realm_id: realm.id, string_id: realm.stringId, name: realm.name, url }));
      else io.out(`created organization "${realm.name}" (id ${realm.id}) at ${url}`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};
