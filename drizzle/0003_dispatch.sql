CREATE TYPE "public"."reminder_status" AS ENUM('PENDING', 'FIRED', 'CANCELLED');--> statement-breakpoint
CREATE TABLE "credit_alerts" (
	"tenant_id" uuid PRIMARY KEY NOT NULL,
	"last_alert_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "credit_alerts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "reminders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"appointment_id" text NOT NULL,
	"offset_minutes" integer NOT NULL,
	"fire_at" timestamp with time zone NOT NULL,
	"status" "reminder_status" DEFAULT 'PENDING' NOT NULL,
	"data" jsonb NOT NULL,
	"source_event_id" text NOT NULL,
	"fired_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "reminders" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "walkin_alerts" (
	"tenant_id" uuid NOT NULL,
	"centre_id" text NOT NULL,
	"queue_name" text NOT NULL,
	"token_number" text NOT NULL,
	"fired_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "walkin_alerts_tenant_id_centre_id_queue_name_token_number_pk" PRIMARY KEY("tenant_id","centre_id","queue_name","token_number")
);
--> statement-breakpoint
ALTER TABLE "walkin_alerts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "recipient_ref" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "content" jsonb;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "sending_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "processed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "credit_alerts" ADD CONSTRAINT "credit_alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminders" ADD CONSTRAINT "reminders_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "walkin_alerts" ADD CONSTRAINT "walkin_alerts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "reminders_once" ON "reminders" USING btree ("tenant_id","appointment_id","offset_minutes");--> statement-breakpoint
CREATE INDEX "reminders_due" ON "reminders" USING btree ("fire_at") WHERE status = 'PENDING';--> statement-breakpoint
CREATE INDEX "deliveries_due" ON "deliveries" USING btree ("next_attempt_at") WHERE status = 'QUEUED' and next_attempt_at is not null;--> statement-breakpoint
CREATE POLICY "platform_due" ON "deliveries" AS PERMISSIVE FOR SELECT TO "kabar_platform" USING (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "credit_alerts" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("credit_alerts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("credit_alerts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "reminders" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("reminders"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("reminders"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "platform_claim" ON "reminders" AS PERMISSIVE FOR ALL TO "kabar_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "walkin_alerts" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("walkin_alerts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("walkin_alerts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);