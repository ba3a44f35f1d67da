-- CreateTable
CREATE TABLE "PipelineSecret" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "userId" TEXT,
    "workspaceId" INTEGER,
    "name" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "dateCreated" DATETIME NOT NULL,
    "lastUpdated" DATETIME NOT NULL,
    "lastUsed" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    CONSTRAINT "PipelineSecret_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PipelineSecret_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_userId_name_key" ON "PipelineSecret"("userId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_workspaceId_name_key" ON "PipelineSecret"("workspaceId", "name");

-- Audit: every change recorded by the statement that makes it (the row's lastChange, changedBy, changedVia), the
-- secret's name as the detail (never its value). A delete first records who deletes in the row (lastChange
-- 'delete', which the update trigger passes over), then deletes it.
CREATE TRIGGER "PipelineSecret_audit_insert" AFTER INSERT ON "PipelineSecret"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.create', 'pipeline_secret', CAST(NEW."id" AS TEXT),
            NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
END;

CREATE TRIGGER "PipelineSecret_audit_update" AFTER UPDATE ON "PipelineSecret"
WHEN NEW."lastChange" IS NOT 'delete'
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update'), 'pipeline_secret',
            CAST(NEW."id" AS TEXT), NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
END;

CREATE TRIGGER "PipelineSecret_audit_delete" AFTER DELETE ON "PipelineSecret"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.delete', 'pipeline_secret', CAST(OLD."id" AS TEXT),
            OLD."userId", OLD."workspaceId", OLD."changedBy", OLD."changedVia", OLD."name");
END;
