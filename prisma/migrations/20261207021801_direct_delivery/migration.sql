-- Direct delivery (a secret delivered to a key of the caller's own, the client's): each workspace's threshold, the
-- lowest role that may take it (or OFF), set by its OWNER or ADMIN and audited; a delivery's recipient in the
-- audit rows of pipeline secrets (credentials carry it in their changeDetail already).
ALTER TABLE "Workspace" ADD COLUMN "directDelivery" TEXT NOT NULL DEFAULT 'LAUNCH';
ALTER TABLE "Workspace" ADD COLUMN "changedBy" TEXT;
ALTER TABLE "Workspace" ADD COLUMN "changedVia" TEXT;
ALTER TABLE "PipelineSecret" ADD COLUMN "changeDetail" TEXT;

CREATE TRIGGER "Workspace_audit_direct_delivery" AFTER UPDATE OF "directDelivery" ON "Workspace"
WHEN OLD."directDelivery" <> NEW."directDelivery"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'workspace.direct_delivery', 'workspace', CAST(NEW."id" AS TEXT), NEW."id",
            NEW."changedBy", NEW."changedVia", OLD."directDelivery" || '->' || NEW."directDelivery");
END;

-- A delivery's row names its recipient after the secret's name (names hold no space: the name stays the first word).
DROP TRIGGER "PipelineSecret_audit_update";
CREATE TRIGGER "PipelineSecret_audit_update" AFTER UPDATE ON "PipelineSecret"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update'), 'pipeline_secret',
            CAST(NEW."id" AS TEXT), NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia",
            NEW."name" || CASE WHEN NEW."lastChange" = 'deliver' AND NEW."changeDetail" IS NOT NULL THEN ' ' || NEW."changeDetail" ELSE '' END);
END;
