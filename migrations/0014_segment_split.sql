ALTER TABLE "segments" ADD COLUMN "progress_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "drawing_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "drawing_from" integer;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "split_at" integer;