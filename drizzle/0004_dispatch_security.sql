ALTER TABLE reminders FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE walkin_alerts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE credit_alerts FORCE ROW LEVEL SECURITY;--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON reminders, walkin_alerts, credit_alerts TO kabar_app;--> statement-breakpoint
GRANT SELECT, UPDATE ON reminders TO kabar_platform;--> statement-breakpoint
GRANT SELECT ON deliveries TO kabar_platform;
