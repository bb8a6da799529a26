CREATE TABLE "tex_cache" (
	"name" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- The SVGs that travelled with each scene as artifacts now live in tex_cache, once for the cluster.
DELETE FROM "artifacts" WHERE "kind" = 'cache';
