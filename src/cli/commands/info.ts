import type { Command } from "../commands.ts";
import { HEARTH_VERSION, ZULIP_FEATURE_LEVEL, ZULIP_VERSION } from "../../lib/version.ts";
import { configFromArgs } from "../shared.ts";
import { redactedConfig } from "../../config/load.ts";
import { settings } from "../../config/definition.ts";

export const versionCommand: Command = {
  name: "version",
  usage: "version [--json]",
  summary: "Print the Hearth version and the Zulip API level it speaks.",
  booleanFlags: ["json"],
  maxPositional: 0,
  async run(args, io) {
    if (args.flags.json) {
      io.out(JSON.stringify({ version: HEARTH_VERSION, zulip_version: ZULIP_VERSION, zulip_feature_level: ZULIP_FEATURE_LEVEL, bun: Bun.version }));
    } else {
      io.out(`hearth ${HEARTH_VERSION} (Zulip API ${ZULIP_VERSION}, feature level ${ZULIP_FEATURE_LEVEL}; Bun ${Bun.version})`);
    }
    return 0;
  },
};

export const configCommand: Command = {
  name: "config",
  usage: "config [--docs]",
  summary: "Print the effective configuration (secrets masked) and where each value came from.",
  booleanFlags: ["docs"],
  maxPositional: 0,
  async run(args, io) {
    if (args.flags.docs) {
      for (const [, d] of Object.entries(settings)) {
        io.out(`${d.env}${d.flag ? ` (--${d.flag})` : ""} [${d.file}] default ${JSON.stringify(d.default)}\n    ${d.doc}`);
      }
      return 0;
    }
    const cfg = configFromArgs(args);
    const shown = redactedConfig(cfg);
    for (const [k, v] of Object.entries(shown)) {
      io.out(`${k} = ${JSON.stringify(v)}  (${cfg.sources[k as keyof typeof cfg.sources]})`);
    }
    if (cfg.configFile) io.out(`config file: ${cfg.configFile}`);
    return 0;
  },
};
