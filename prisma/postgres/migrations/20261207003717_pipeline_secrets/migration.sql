-- Written by hand from the SQLite migration of the same name.

-- CreateTable
CREATE TABLE "PipelineSecret" (
    "id" BIGINT NOT NULL,
    "userId" TEXT,
    "workspaceId" INTEGER,
    "name" TEXT NOT NULL,
    "activeName" TEXT,
    "secret" TEXT,
    "deleted" TIMESTAMP(3),
    "purged" TIMESTAMP(3),
    "dateCreated" TIMESTAMP(3) NOT NULL,
    "lastUpdated" TIMESTAMP(3) NOT NULL,
    "lastUsed" TIMESTAMP(3),
    "valueVersion" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,

    CONSTRAINT "PipelineSecret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PipelineSecretVersion" (
    "secretId" BIGINT NOT NULL,
    "number" INTEGER NOT NULL,
    "value" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "actor" TEXT,
    "door" TEXT,
    "restoredFrom" INTEGER,

    CONSTRAINT "PipelineSecretVersion_pkey" PRIMARY KEY ("secretId","number")
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

-- AddForeignKey
ALTER TABLE "PipelineSecret" ADD CONSTRAINT "PipelineSecret_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineSecret" ADD CONSTRAINT "PipelineSecret_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineSecretVersion" ADD CONSTRAINT "PipelineSecretVersion_secretId_fkey" FOREIGN KEY ("secretId") REFERENCES "PipelineSecret"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Audit: every change recorded by the statement that makes it (the row's lastChange, changedBy, changedVia: create,
-- update, delete, undelete, purge, reseal), the secret's name as the detail (never its value). A secret is never
-- removed by the service: a delete marks it, the purge destroys its value and keeps the row.
CREATE FUNCTION "pipeline_secret_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            CASE WHEN TG_OP = 'INSERT' THEN 'pipeline_secret.create' ELSE 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update') END,
            'pipeline_secret', NEW."id"::text, NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
    RETURN NEW;
END;
$$;
CREATE TRIGGER "PipelineSecret_audit" AFTER INSERT OR UPDATE ON "PipelineSecret" FOR EACH ROW EXECUTE FUNCTION "pipeline_secret_audit"();
