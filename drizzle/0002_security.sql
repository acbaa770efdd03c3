-- RLS must hold for the table owner too, and the application roles get only what they need.
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE reference_data FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE whatsapp_configs FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE whatsapp_prices FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE credit_balances FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE credit_transactions FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE credit_purchases FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE staff_members FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE routing_rules FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE event_channel_settings FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE templates FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE events FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE deliveries FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE delivery_status_history FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO kabar_app, kabar_platform;--> statement-breakpoint
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO kabar_app, kabar_platform;--> statement-breakpoint
GRANT SELECT ON tenants, whatsapp_prices TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON reference_data, whatsapp_configs, credit_balances, credit_purchases,
  staff_members, routing_rules, event_channel_settings, templates, events, deliveries, delivery_status_history
  TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT ON credit_transactions, audit_log TO kabar_app;--> statement-breakpoint
GRANT SELECT, INSERT ON tenants, whatsapp_prices, audit_log TO kabar_platform;--> statement-breakpoint
GRANT SELECT ON credit_purchases TO kabar_platform;--> statement-breakpoint
-- Append-only tables: even the owner (or a superuser) cannot rewrite history.
CREATE OR REPLACE FUNCTION kabar_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;--> statement-breakpoint
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE OR DELETE ON credit_transactions
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER credit_transactions_no_truncate BEFORE TRUNCATE ON credit_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION kabar_reject_change();--> statement-breakpoint
CREATE TRIGGER whatsapp_prices_append_only BEFORE UPDATE OR DELETE ON whatsapp_prices
  FOR EACH ROW EXECUTE FUNCTION kabar_reject_change();
