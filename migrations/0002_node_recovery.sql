ALTER TABLE "nodes" ADD COLUMN "worker_ids" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "failures" jsonb DEFAULT '[]'::jsonb NOT NULL;