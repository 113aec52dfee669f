import { existsSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { randomBytes } from "node:crypto";
import type { Command } from "../commands.ts";
import { renderConfigFile } from "../../config/load.ts";

export const initCommand: Command = {
  name: "init",
  usage: "init [--force] [--config FILE]",
  summary: "Write hearth.toml with freshly generated secrets (refuses to overwrite without --force).",
  booleanFlags: ["force"],
  maxPositional: 0,
  async run(args, io) {
    const path = resolve(typeof args.flags.config === "string" ? args.flags.config : "hearth.toml");
    if (existsSync(path) && !args.flags.force) {
      io.err(`hearth init: ${path} already exists; use --force to overwrite it (this replaces its secrets and logs everybody out)`);
      return 1;
    }
    const values: Record<string, unknown> = { secretKey: randomBytes(32).toString("base64url") };
    if (typeof args.flags["data-dir"] === "string") values.dataDir = args.flags["data-dir"];
    writeFileSync(path, renderConfigFile(values), { mode: 0o600 });
    io.out(`wrote ${path} (mode 0600); keep a copy with your backups: its secret_key signs sessions`);
    return 0;
  },
};
