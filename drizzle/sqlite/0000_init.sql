CREATE TABLE `realms` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`string_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`icon_url` text,
	`deactivated` integer DEFAULT false NOT NULL,
	`invite_required` integer DEFAULT true NOT NULL,
	`emails_restricted_to_domains` integer DEFAULT false NOT NULL,
	`settings` text NOT NULL,
	`date_created` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `realms_string_id_key` ON `realms` (`string_id`);--> statement-breakpoint
CREATE TABLE `server_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` integer NOT NULL,
	`email` text NOT NULL,
	`delivery_email` text NOT NULL,
	`full_name` text NOT NULL,
	`role` integer DEFAULT 400 NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`is_bot` integer DEFAULT false NOT NULL,
	`bot_type` integer,
	`bot_owner_id` integer,
	`can_forge_sender` integer DEFAULT false NOT NULL,
	`api_key` text NOT NULL,
	`password_hash` text,
	`timezone` text DEFAULT '' NOT NULL,
	`avatar_source` text DEFAULT 'G' NOT NULL,
	`avatar_version` integer DEFAULT 1 NOT NULL,
	`settings` text NOT NULL,
	`date_joined` integer NOT NULL,
	FOREIGN KEY (`realm_id`) REFERENCES `realms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_realm_email_key` ON `users` (`realm_id`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_api_key_key` ON `users` (`api_key`);--> statement-breakpoint
CREATE INDEX `users_realm_delivery_email_idx` ON `users` (`realm_id`,`delivery_email`);