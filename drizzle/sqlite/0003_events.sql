CREATE TABLE `event_spill` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `event_spill_created_at_idx` ON `event_spill` (`created_at`);