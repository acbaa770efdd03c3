-- Roles are server-wide: guard so a second database on the same server migrates too.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kabar_app') THEN
    CREATE ROLE kabar_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kabar_platform') THEN
    CREATE ROLE kabar_platform NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END
$$;
--> statement-breakpoint
-- The connecting user must be able to SET ROLE to both (a no-op for a superuser).
GRANT kabar_app TO CURRENT_USER;
--> statement-breakpoint
GRANT kabar_platform TO CURRENT_USER;
