import { createApp } from "../src/app/app.ts";
import { testConfig } from "../test/helpers/app.ts";
import { freshDatabase } from "../test/helpers/db.ts";
import { silentLogger } from "../src/lib/log.ts";
import { createRealm } from "../src/actions/realms.ts";
import { createUser } from "../src/actions/users.ts";
import { subscribe } from "../src/actions/streams.ts";
import { narrowSql } from "../src/db/repo/messages.ts";
import { resolveNarrow } from "../src/actions/narrow.ts";
import { and, desc, lt } from "drizzle-orm";
const db = await freshDatabase("sqlite");
const app = await createApp(testConfig(db), { log: silentLogger, migrate: true });
const realm = await createRealm(app.deps, { name: "B", subdomain: "" });
const reader = await createUser(app.deps, { realmId: realm.id, email: "r@example.com", fullName: "R" });
await subscribe(app.deps, reader, { streams: [{ name: "stream3" }], principals: [reader.id], authorizationErrorsFatal: true, inviteOnly: false, isWebPublic: false, isDefaultStream: false });
const q = app.store;
for (const narrow of [[{ operator: "channel", operand: "stream3", negated: false }, { operator: "topic", operand: "topic 3", negated: false }], [{ operator: "channel", operand: "stream3", negated: false }], []]) {
  const r = await resolveNarrow(q, reader, narrow as any);
  const where = narrowSql(q, r.access, r.conds);
  const m = q.t.messages;
  const query = q.db.select().from(m).where(and(where, lt(m.id, 2147483647))).orderBy(desc(m.id)).limit(101).toSQL();
  const w = (app.store as any).writer;
  console.log(JSON.stringify(narrow), w.query("EXPLAIN QUERY PLAN " + query.sql).all(...query.params).map((x: any) => x.detail));
}
await app.stop(); await db.drop(); process.exit(0);
