-- Videos and frames are already compressed: store them out of line and uncompressed so that
-- substring() reads only the requested byte range (HTTP Range) instead of the whole value.
ALTER TABLE "artifacts" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;--> statement-breakpoint
ALTER TABLE "bundle_files" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;--> statement-breakpoint
CREATE UNIQUE INDEX "events_job_seq_unique" ON "events" ("job_id", "seq");
