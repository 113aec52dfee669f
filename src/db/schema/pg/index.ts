// Every table of the PostgreSQL schema. sqlite/index.ts has the same exports.
export * from "./core.ts";
export * from "./users.ts";
export * from "./uploads.ts";
export * from "./satellites.ts";
export * from "./events.ts";
export * from "./jobs.ts";
export * from "./messages.ts";
export * from "./bots.ts";
