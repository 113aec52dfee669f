CREATE TABLE `attachment_messages` (
	`attachment_id` integer NOT NULL,
	`message_id` integer NOT NULL,
	`linked_at` integer NOT NULL,
	PRIMARY KEY(`attachment_id`, `message_id`),
	FOREIGN KEY (`attachment_id`) REFERENCES `attachments`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `attachment_messages_message_idx` ON `attachment_messages` (`message_id`);--> statement-breakpoint
CREATE TABLE `attachments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` integer NOT NULL,
	`owner_id` integer NOT NULL,
	`path_id` text NOT NULL,
	`file_name` text NOT NULL,
	`size` integer NOT NULL,
	`content_type` text NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`realm_id`) REFERENCES `realms`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `attachments_path_id_key` ON `attachments` (`path_id`);--> statement-breakpoint
CREATE INDEX `attachments_owner_idx` ON `attachments` (`owner_id`);--> statement-breakpoint
CREATE INDEX `attachments_realm_created_idx` ON `attachments` (`realm_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `stored_images` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`realm_id` integer NOT NULL,
	`kind` text NOT NULL,
	`owner_id` integer NOT NULL,
	`key` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`realm_id`) REFERENCES `realms`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `stored_images_owner_key` ON `stored_images` (`realm_id`,`kind`,`owner_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `stored_images_key_key` ON `stored_images` (`key`);