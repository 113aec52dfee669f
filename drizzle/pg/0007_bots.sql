CREATE TABLE "bot_services" (
	"bot_user_id" integer NOT NULL,
	"base_url" text NOT NULL,
	"token" text NOT NULL,
	"interface" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "bot_services_bot_user_id_pk" PRIMARY KEY("bot_user_id")
);
--> statement-breakpoint
ALTER TABLE "bot_services" ADD CONSTRAINT "bot_services_bot_user_id_users_id_fk" FOREIGN KEY ("bot_user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;