CREATE TABLE "play_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"scene" text NOT NULL,
	"ext" text NOT NULL,
	"content_type" text NOT NULL,
	"size" bigint NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "play_cache_scene_index" ON "play_cache" USING btree ("scene");--> statement-breakpoint
CREATE INDEX "play_cache_used_at_index" ON "play_cache" USING btree ("used_at");