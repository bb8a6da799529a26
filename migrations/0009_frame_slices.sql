ALTER TABLE "segments" ADD COLUMN "from_frame" integer;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "to_frame" integer;