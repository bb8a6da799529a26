CREATE TABLE "trigger_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"kind" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"commit" text,
	"bundle_id" text,
	"outcome" text NOT NULL,
	"reason" text,
	"job_ids" jsonb DEFAULT '[]'::jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "trigger" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "commit" text;--> statement-breakpoint
CREATE INDEX "trigger_runs_trigger_at_index" ON "trigger_runs" USING btree ("trigger","at");--> statement-breakpoint
CREATE INDEX "jobs_trigger_created_at_index" ON "jobs" USING btree ("trigger","created_at");--> statement-breakpoint
CREATE INDEX "jobs_commit_index" ON "jobs" USING btree ("commit");