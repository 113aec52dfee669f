CREATE TABLE `job_schedules` (
	`name` text PRIMARY KEY NOT NULL,
	`last_tick` integer,
	`last_job_id` integer,
	`updated_at` integer
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`queue` text NOT NULL,
	`payload` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`run_after` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 5 NOT NULL,
	`last_error` text,
	`idempotency_key` text,
	`lock_token` text,
	`locked_by` text,
	`locked_until` integer,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_claim_idx` ON `jobs` (`state`,`queue`,`run_after`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_pending_key_uniq` ON `jobs` (`idempotency_key`) WHERE state = 'pending';