import type { Command } from "../commands.ts";
import { configFromArgs } from "../shared.ts";
import { ensureSecrets } from "../../config/load.ts";
import { createApp } from "../../app/app.ts";
import { installSignalHandlers } from "../../ops/shutdown.ts";

export const serveCommand: Command = {
  name: "serve",
  usage: "serve [--port N] [--host H] [--data-dir D] [--config FILE] [--no-workers]",
  summary: "Migrate the database, then serve HTTP, WebSockets and background work.",
  help: "SIGTERM or SIGINT stops accepting connections, drains in-flight requests, finishes or releases running jobs and closes the database; a second signal exits at once. --no-workers serves HTTP only (run `hearth worker` elsewhere).",
  valueFlags: ["port", "host"],
  booleanFlags: ["no-workers"],
  maxPositional: 0,
  async run(args, io) {
    const config = ensureSecrets(configFromArgs(args));
    const app = await createApp(config, { migrate: true, exclusive: true, workers: !args.flags["no-workers"] });
    await app.start();
    installSignalHandlers(app, { err: io.err });
    return "running";
  },
};
