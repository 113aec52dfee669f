// SQLite column vocabulary: the same names as pg/columns.ts, mapped to SQLite storage with
// the same JS types (Date, boolean, parsed JSON).
import { integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
export { index, uniqueIndex, primaryKey, foreignKey } from "drizzle-orm/sqlite-core";

export const table = sqliteTable;
export const id = (name = "id") => integer(name).primaryKey({ autoIncrement: true });
export const int = (name: string) => integer(name);
export const big = (name: string) => integer(name);
export const float = (name: string) => real(name);
export const str = (name: string) => text(name);
export const bool = (name: string) => integer(name, { mode: "boolean" });
export const ts = (name: string) => integer(name, { mode: "timestamp_ms" });
export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
export const dialectName = "sqlite" as const;
