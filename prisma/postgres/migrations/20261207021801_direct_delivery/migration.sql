-- Direct delivery (a secret delivered to a key of the caller's own, the client's): each workspace's threshold, the
-- lowest role that may take it (or OFF), set by its OWNER or ADMIN and audited; a delivery's recipient in the
-- audit rows of pipeline secrets (credentials carry it in their changeDetail already).
ALTER TABLE "Workspace" ADD COLUMN "directDelivery" TEXT NOT NULL DEFAULT 'LAUNCH';
ALTER TABLE "Workspace" ADD COLUMN "changedBy" TEXT;
ALTER TABLE "Workspace" ADD COLUMN "changedVia" TEXT;
ALTER TABLE "PipelineSecret" ADD COLUMN "changeDetail" TEXT;

CREATE FUNCTION "workspace_direct_delivery_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'workspace.direct_delivery', 'workspace', NEW."id"::text, NEW."id",
            NEW."changedBy", NEW."changedVia", OLD."directDelivery" || '->' || NEW."directDelivery");
    RETURN NEW;
END;
$$;
CREATE TRIGGER "Workspace_audit_direct_delivery" AFTER UPDATE OF "directDelivery" ON "Workspace"
FOR EACH ROW WHEN (OLD."directDelivery" IS DISTINCT FROM NEW."directDelivery") EXECUTE FUNCTION "workspace_direct_delivery_audit"();

-- A delivery's row names its recipient after the secret's name (names hold no space: the name stays the first word).
CREATE OR REPLACE FUNCTION "pipeline_secret_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            CASE WHEN TG_OP = 'INSERT' THEN 'pipeline_secret.create' ELSE 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update') END,
            'pipeline_secret', NEW."id"::text, NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia",
            NEW."name" || CASE WHEN TG_OP = 'UPDATE' AND NEW."lastChange" = 'deliver' AND NEW."changeDetail" IS NOT NULL
                               THEN ' ' || NEW."changeDetail" ELSE '' END);
    RETURN NEW;
END;
$$;
