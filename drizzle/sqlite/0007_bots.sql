CREATE TABLE `bot_services` (
	`bot_user_id` integer PRIMARY KEY NOT NULL,
	`base_url` text NOT NULL,
	`token` text NOT NULL,
	`interface` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`bot_user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
