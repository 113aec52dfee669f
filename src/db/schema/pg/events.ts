// Real-time events across nodes: an event batch too large for one NOTIFY payload (8 KB) is
// stored here briefly and fetched by id on the other nodes (src/events/cluster.ts).
import { table, id, ts, json, index } from "./columns.ts";

export const eventSpill = table(
  "event_spill",
  {
    id: id(),
    payload: json<unknown>("payload").notNull(),
    createdAt: ts("created_at").notNull().$defaultFn(() => new Date()),
  },
  (t) => [index("event_spill_created_at_idx").on(t.createdAt)],
);
