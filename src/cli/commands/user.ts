import type { Command } from "../commands.ts";
import { cliDeps } from "../shared.ts";
import { createUser } from "../../actions/users.ts";
import { createRealm } from "../../actions/realms.ts";
import { realmForSubdomain } from "../../actions/realms.ts";
import { needsSetup } from "../../actions/setup.ts";
import { ROLE_NAMES } from "../../domain/roles.ts";
import { UsageError } from "../args.ts";

export const userCreateCommand: Command = {
  name: "user create",
  usage: "user create --email E --full-name N [--password P | --password-stdin] [--role owner|admin|moderator|member|guest] [--realm SUB] [--json]",
  summary: "Create a user and print its API key. On a fresh install the first user creates the root organization.",
  help: "Without a password the user can only use the API key (and password reset). --password-stdin reads the password from standard input, so it never appears in the process list or shell history.",
  valueFlags: ["email", "full-name", "password", "role", "realm"],
  booleanFlags: ["json", "password-stdin"],
  maxPositional: 0,
  async run(args, io) {
    const email = args.flags.email;
    const fullName = args.flags["full-name"];
    if (typeof email !== "string") throw new UsageError("--email is required");
    if (typeof fullName !== "string") throw new UsageError("--full-name is required");
    const roleName = typeof args.flags.role === "string" ? args.flags.role.toLowerCase() : "member";
    const role = ROLE_NAMES[roleName];
    if (role === undefined) throw new UsageError(`unknown role "${args.flags.role}" (owner, admin, moderator, member, guest)`);
    if (typeof args.flags.password === "string" && args.flags["password-stdin"]) {
      throw new UsageError("give --password or --password-stdin, not both");
    }
    let password: string | null = typeof args.flags.password === "string" ? args.flags.password : null;
    if (args.flags["password-stdin"]) password = (await io.readStdin()).replace(/\r?\n$/, "");
    const subdomain = typeof args.flags.realm === "string" ? args.flags.realm.toLowerCase() : "";
    const deps = await cliDeps(args);
    try {
      let realm = await realmForSubdomain(deps, subdomain);
      if (!realm) {
        if (subdomain !== "" || !(await needsSetup(deps))) {
          io.err(`hearth user create: no organization with subdomain "${subdomain}" (create it with \`hearth realm create\`)`);
          return 1;
        }
        realm = await createRealm(deps, { name: "Hearth", subdomain: "" });
        if (!args.flags.json) io.out(`created the root organization "${realm.name}"`);
      }
      const user = await createUser(deps, { realmId: realm.id, email, fullName, password, role });
      if (args.flags.json) io.out(JSON.stringify({ user_id: user.id, email: user.email, api_key: user.apiKey }));
      else io.out(`created ${roleName} ${user.email} (id ${user.id})\napi key: ${user.apiKey}`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};
