CREATE TABLE "artifact_chunks" (
	"artifact_id" uuid NOT NULL,
	"offset" bigint NOT NULL,
	"bytes" "bytea" NOT NULL,
	CONSTRAINT "artifact_chunks_artifact_id_offset_pk" PRIMARY KEY("artifact_id","offset")
);
--> statement-breakpoint
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
ALTER TABLE "jobs" ADD COLUMN "priority" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "retry_of" uuid;--> statement-breakpoint
ALTER TABLE "artifact_chunks" ADD CONSTRAINT "artifact_chunks_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "trigger_runs_trigger_at_index" ON "trigger_runs" USING btree ("trigger","at");--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_retry_of_jobs_id_fk" FOREIGN KEY ("retry_of") REFERENCES "public"."jobs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "jobs_trigger_created_at_index" ON "jobs" USING btree ("trigger","created_at");--> statement-breakpoint
CREATE INDEX "jobs_commit_index" ON "jobs" USING btree ("commit");--> statement-breakpoint
-- Videos and frames are compressed already: stored out of line, as they are.
ALTER TABLE "artifact_chunks" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;--> statement-breakpoint
-- Files stored before chunks existed become one chunk each (all under 256 MiB: larger ones could not be stored).
INSERT INTO "artifact_chunks" ("artifact_id", "offset", "bytes") SELECT "id", 0, "bytes" FROM "artifacts";--> statement-breakpoint
ALTER TABLE "artifacts" DROP COLUMN "bytes";