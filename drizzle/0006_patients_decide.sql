CREATE TYPE "public"."consent_status" AS ENUM('OPTED_IN', 'OPTED_OUT');--> statement-breakpoint
CREATE TABLE "inbound_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"channel" "channel" NOT NULL,
	"provider_message_id" text NOT NULL,
	"sender" text NOT NULL,
	"body" text NOT NULL,
	"action" "consent_status",
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbound_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "patient_preferences" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tenant_id" uuid NOT NULL,
	"patient_id" text NOT NULL,
	"channel" "channel" NOT NULL,
	"category" text,
	"status" "consent_status" NOT NULL,
	"source" text NOT NULL,
	"evidence" text,
	"actor" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "patient_preferences" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "patients" (
	"tenant_id" uuid NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"phone" text,
	"email" text,
	"language" "language",
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "patients_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
ALTER TABLE "patients" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "channel_fallbacks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"event_pattern" text NOT NULL,
	"from_channel" "channel" NOT NULL,
	"to_channel" "channel" NOT NULL,
	"undelivered_after_seconds" integer,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "channel_fallbacks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "patient_id" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "fallback_of" uuid;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "deferred_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "fallback_due_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "inbound_messages" ADD CONSTRAINT "inbound_messages_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_preferences" ADD CONSTRAINT "patient_preferences_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patients" ADD CONSTRAINT "patients_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "channel_fallbacks" ADD CONSTRAINT "channel_fallbacks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_messages_once" ON "inbound_messages" USING btree ("tenant_id","channel","provider_message_id");--> statement-breakpoint
CREATE INDEX "patient_preferences_patient" ON "patient_preferences" USING btree ("tenant_id","patient_id","id");--> statement-breakpoint
CREATE INDEX "patients_phone" ON "patients" USING btree ("tenant_id","phone");--> statement-breakpoint
CREATE UNIQUE INDEX "channel_fallbacks_rule" ON "channel_fallbacks" USING btree ("tenant_id","event_pattern","from_channel");--> statement-breakpoint
CREATE INDEX "channel_fallbacks_tenant" ON "channel_fallbacks" USING btree ("tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_fallback_once" ON "deliveries" USING btree ("tenant_id","fallback_of","recipient") WHERE fallback_of is not null;--> statement-breakpoint
CREATE INDEX "deliveries_fallback_due" ON "deliveries" USING btree ("fallback_due_at") WHERE fallback_due_at is not null and status in ('QUEUED', 'SENT');--> statement-breakpoint
CREATE INDEX "deliveries_fallback_ended" ON "deliveries" USING btree ("tenant_id") WHERE fallback_due_at is not null and status in ('SKIPPED', 'FAILED');--> statement-breakpoint
CREATE INDEX "deliveries_patient" ON "deliveries" USING btree ("tenant_id","patient_id");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "inbound_messages" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("inbound_messages"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("inbound_messages"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "patient_preferences" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("patient_preferences"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("patient_preferences"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "patients" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("patients"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("patients"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "channel_fallbacks" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("channel_fallbacks"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("channel_fallbacks"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "platform_read" ON "channel_fallbacks" AS PERMISSIVE FOR SELECT TO "kabar_platform" USING (true);--> statement-breakpoint
ALTER TABLE patients FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE patient_preferences FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE inbound_messages FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE channel_fallbacks FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON patients TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT ON patient_preferences, inbound_messages TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON channel_fallbacks TO kabar_app;--> statement-breakpoint
GRANT SELECT ON channel_fallbacks TO kabar_platform;--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO kabar_app, kabar_platform;--> statement-breakpoint
-- Patients' choices are records of consent: append-only, even for the owner or a superuser.
CREATE TRIGGER patient_preferences_append_only BEFORE UPDATE OR DELETE ON patient_preferences
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER patient_preferences_no_truncate BEFORE TRUNCATE ON patient_preferences
  FOR EACH STATEMENT EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER inbound_messages_append_only BEFORE UPDATE OR DELETE ON inbound_messages
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();
