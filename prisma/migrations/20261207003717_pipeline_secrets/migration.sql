-- CreateTable
CREATE TABLE "PipelineSecret" (
    "id" BIGINT NOT NULL PRIMARY KEY,
    "userId" TEXT,
    "workspaceId" INTEGER,
    "name" TEXT NOT NULL,
    "activeName" TEXT,
    "secret" TEXT,
    "deleted" DATETIME,
    "purged" DATETIME,
    "dateCreated" DATETIME NOT NULL,
    "lastUpdated" DATETIME NOT NULL,
    "lastUsed" DATETIME,
    "valueVersion" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    CONSTRAINT "PipelineSecret_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "PipelineSecret_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PipelineSecretVersion" (
    "secretId" BIGINT NOT NULL,
    "number" INTEGER NOT NULL,
    "value" TEXT,
    "createdAt" DATETIME NOT NULL,
    "actor" TEXT,
    "door" TEXT,
    "restoredFrom" INTEGER,

    PRIMARY KEY ("secretId", "number"),
    CONSTRAINT "PipelineSecretVersion_secretId_fkey" FOREIGN KEY ("secretId") REFERENCES "PipelineSecret" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "PipelineSecret_userId_deleted_name_idx" ON "PipelineSecret"("userId", "deleted", "name");

-- CreateIndex
CREATE INDEX "PipelineSecret_workspaceId_deleted_name_idx" ON "PipelineSecret"("workspaceId", "deleted", "name");

-- CreateIndex
CREATE INDEX "PipelineSecret_purged_deleted_idx" ON "PipelineSecret"("purged", "deleted");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_userId_activeName_key" ON "PipelineSecret"("userId", "activeName");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_workspaceId_activeName_key" ON "PipelineSecret"("workspaceId", "activeName");

-- Audit: every change recorded by the statement that makes it (the row's lastChange, changedBy, changedVia: create,
-- update, delete, undelete, purge, reseal), the secret's name as the detail (never its value). A secret is never
-- removed by the service: a delete marks it, the purge destroys its value and keeps the row.
CREATE TRIGGER "PipelineSecret_audit_insert" AFTER INSERT ON "PipelineSecret"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.create', 'pipeline_secret', CAST(NEW."id" AS TEXT),
            NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
END;

CREATE TRIGGER "PipelineSecret_audit_update" AFTER UPDATE ON "PipelineSecret"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update'), 'pipeline_secret',
            CAST(NEW."id" AS TEXT), NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
END;
