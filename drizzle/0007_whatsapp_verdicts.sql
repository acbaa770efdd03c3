CREATE TYPE "public"."template_approval_status" AS ENUM('APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED', 'UNKNOWN');--> statement-breakpoint
CREATE TABLE "whatsapp_billing" (
	"tenant_id" uuid NOT NULL,
	"delivery_id" uuid NOT NULL,
	"provider_message_id" text NOT NULL,
	"billable" boolean NOT NULL,
	"pricing_model" text,
	"category" text,
	"type" text,
	"outcome" text NOT NULL,
	"amount" numeric(20, 4) NOT NULL,
	"transaction_id" uuid,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "whatsapp_billing_tenant_id_delivery_id_pk" PRIMARY KEY("tenant_id","delivery_id")
);
--> statement-breakpoint
ALTER TABLE "whatsapp_billing" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "whatsapp_template_verdicts" (
	"tenant_id" uuid NOT NULL,
	"template_name" text NOT NULL,
	"language" text NOT NULL,
	"status" "template_approval_status",
	"meta_event" text,
	"reason" text,
	"category" "whatsapp_category",
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "whatsapp_template_verdicts_tenant_id_template_name_language_pk" PRIMARY KEY("tenant_id","template_name","language")
);
--> statement-breakpoint
ALTER TABLE "whatsapp_template_verdicts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "whatsapp_billing" ADD CONSTRAINT "whatsapp_billing_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "whatsapp_template_verdicts" ADD CONSTRAINT "whatsapp_template_verdicts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "whatsapp_billing" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("whatsapp_billing"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("whatsapp_billing"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "whatsapp_template_verdicts" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("whatsapp_template_verdicts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("whatsapp_template_verdicts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
ALTER TABLE whatsapp_template_verdicts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE whatsapp_billing FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON whatsapp_template_verdicts TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT ON whatsapp_billing TO kabar_app;--> statement-breakpoint
-- What Meta billed is a record beside the ledger: append-only, even for the owner or a superuser.
CREATE TRIGGER whatsapp_billing_append_only BEFORE UPDATE OR DELETE ON whatsapp_billing
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER whatsapp_billing_no_truncate BEFORE TRUNCATE ON whatsapp_billing
  FOR EACH STATEMENT EXECUTE FUNCTION kabar_reject_change();
