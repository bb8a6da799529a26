ALTER TABLE "nodes" ADD COLUMN "off_work" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "mac" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "broadcast" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "wakeable" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "power" text DEFAULT 'awake' NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "power_since" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "power_note" text;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "woken_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "nodes" ADD COLUMN "schedule" jsonb;