CREATE TABLE "webhook_receipts" (
	"tenant_id" uuid NOT NULL,
	"digest" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_receipts_tenant_id_digest_pk" PRIMARY KEY("tenant_id","digest")
);
--> statement-breakpoint
ALTER TABLE "webhook_receipts" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "webhook_receipts" ADD CONSTRAINT "webhook_receipts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_receipts_age" ON "webhook_receipts" USING btree ("received_at");--> statement-breakpoint
CREATE POLICY "tenant_isolation" ON "webhook_receipts" AS PERMISSIVE FOR ALL TO "kabar_app" USING ("webhook_receipts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid) WITH CHECK ("webhook_receipts"."tenant_id" = nullif(current_setting('app.tenant_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "platform_access" ON "webhook_receipts" AS PERMISSIVE FOR ALL TO "kabar_platform" USING (true) WITH CHECK (true);--> statement-breakpoint
ALTER TABLE "webhook_receipts" FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT ON webhook_receipts TO kabar_app;--> statement-breakpoint
GRANT SELECT, DELETE ON webhook_receipts TO kabar_platform;
