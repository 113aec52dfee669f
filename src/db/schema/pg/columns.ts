// PostgreSQL column vocabulary. sqlite/columns.ts exports the same names with SQLite types,
// so the table files in both folders are identical apart from this import (see
// scripts/db-generate.ts, which writes sqlite/*.ts from pg/*.ts). Both map to the same JS
// types: Date for timestamps, boolean, parsed JSON.
import { bigint, boolean, integer, jsonb, pgTable, text, timestamp, doublePrecision } from "drizzle-orm/pg-core";
export { index, uniqueIndex, primaryKey, foreignKey } from "drizzle-orm/pg-core";

export const table = pgTable;
/** auto-increment integer primary key */
export const id = (name = "id") => integer(name).primaryKey().generatedByDefaultAsIdentity();
export const int = (name: string) => integer(name);
/** 64-bit integer read as a JS number (safe to 2^53) */
export const big = (name: string) => bigint(name, { mode: "number" });
export const float = (name: string) => doublePrecision(name);
export const str = (name: string) => text(name);
export const bool = (name: string) => boolean(name);
/** UTC instant; JS Date */
export const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date", precision: 3 });
export const json = <T>(name: string) => jsonb(name).$type<T>();
export const dialectName = "pg" as const;
