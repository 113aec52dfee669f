// Graceful shutdown: the first SIGTERM/SIGINT stops accepting connections, lets in-flight
// requests finish within HEARTH_SHUTDOWN_GRACE_SECONDS, runs the subsystems' stop hooks
// (held long-polls answered, WebSockets closed, jobs released) and closes the database;
// a second signal exits at once.
import type { App } from "../app/app.ts";

export function installSignalHandlers(
  app: Pick<App, "stop" | "log">,
  opts: { exit?: (code: number) => void; err?: (s: string) => void; signals?: NodeJS.Signals[] } = {},
): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const err = opts.err ?? ((s: string) => process.stderr.write(s + "\n"));
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      err(`hearth: second ${signal}, exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    app.log.info("shutting down", { signal });
    app.stop().then(
      () => {
        app.log.info("stopped");
        exit(0);
      },
      (e) => {
        app.log.error("shutdown failed", { err: e });
        exit(1);
      },
    );
  };
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
