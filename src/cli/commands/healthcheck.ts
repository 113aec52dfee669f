import type { Command } from "../commands.ts";
import { configFromArgs } from "../shared.ts";

/** For container HEALTHCHECKs on images without curl: GET /ready on the local server. */
export const healthcheckCommand: Command = {
  name: "healthcheck",
  usage: "healthcheck [--url URL]",
  summary: "Exit 0 when the local server answers /ready, 1 otherwise (for Docker HEALTHCHECK).",
  valueFlags: ["url", "port"],
  maxPositional: 0,
  async run(args, io) {
    const cfg = configFromArgs(args);
    const host = cfg.host === "0.0.0.0" || cfg.host === "::" ? "127.0.0.1" : cfg.host;
    const url = typeof args.flags.url === "string" ? args.flags.url : `http://${host}:${cfg.port}/ready`;
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(4000) });
      if (r.status === 200) return 0;
      io.err(`not ready: HTTP ${r.status} ${await r.text()}`);
    } catch (e) {
      io.err(`not ready: ${(e as Error).message}`);
    }
    return 1;
  },
};
