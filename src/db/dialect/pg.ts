import { sql, type SQL } from "drizzle-orm";
import type { Dialect } from "./types.ts";
import type { Db } from "../types.ts";

export const pgDialect: Dialect = {
  name: "pg",
  async all<T>(db: Db, query: SQL): Promise<T[]> {
    const r = await db.execute(query);
    return r as unknown as T[];
  },
  async run(db: Db, query: SQL) {
    await db.execute(query);
  },
  forUpdate: () => sql` FOR UPDATE`,
  ilikeExact: (column, value) => sql`lower(${column}) = lower(${value})`,
  now: () => sql`now()`,
  // websearch_to_tsquery: words are ANDed, "quoted text" is a phrase, never a syntax error.
  messageSearch: (query) => sql`"messages"."search_tsv" @@ websearch_to_tsquery('english', ${query})`,
};
