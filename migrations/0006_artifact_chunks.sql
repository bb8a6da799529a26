CREATE TABLE "artifact_chunks" (
	"artifact_id" uuid NOT NULL,
	"offset" bigint NOT NULL,
	"bytes" "bytea" NOT NULL,
	CONSTRAINT "artifact_chunks_artifact_id_offset_pk" PRIMARY KEY("artifact_id","offset")
);
--> statement-breakpoint
ALTER TABLE "artifact_chunks" ADD CONSTRAINT "artifact_chunks_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Videos and frames are compressed already: stored out of line, as they are.
ALTER TABLE "artifact_chunks" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;--> statement-breakpoint
-- Files stored before chunks existed become one chunk each (all under 256 MiB: larger ones could not be stored).
INSERT INTO "artifact_chunks" ("artifact_id", "offset", "bytes") SELECT "id", 0, "bytes" FROM "artifacts";--> statement-breakpoint
ALTER TABLE "artifacts" DROP COLUMN "bytes";