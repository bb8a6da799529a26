ALTER TABLE "play_cache" ADD COLUMN "ext" text NOT NULL;--> statement-breakpoint
ALTER TABLE "play_cache" ADD COLUMN "content_type" text NOT NULL;