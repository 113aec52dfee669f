// Every area's job handlers and schedules register by being imported here: one line per
// module (the merge point). See docs/jobs.md for registerJobHandler / registerSchedule.
import "./email.ts";
import "./missed-messages.ts";
import "./outgoing-webhook.ts";
import "./maintenance.ts";
import "./digest.ts";
import "./backup.ts";
import "./uploads.ts";
import "./cleanup.ts";
