ALTER TABLE "segments" ADD COLUMN "split_frame" integer;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "split_latest" integer;