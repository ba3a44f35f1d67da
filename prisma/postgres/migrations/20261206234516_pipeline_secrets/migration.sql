-- Written by hand from the SQLite migration of the same name.

-- CreateTable
CREATE TABLE "PipelineSecret" (
    "id" BIGINT NOT NULL,
    "userId" TEXT,
    "workspaceId" INTEGER,
    "name" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "dateCreated" TIMESTAMP(3) NOT NULL,
    "lastUpdated" TIMESTAMP(3) NOT NULL,
    "lastUsed" TIMESTAMP(3),
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,

    CONSTRAINT "PipelineSecret_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_userId_name_key" ON "PipelineSecret"("userId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "PipelineSecret_workspaceId_name_key" ON "PipelineSecret"("workspaceId", "name");

-- AddForeignKey
ALTER TABLE "PipelineSecret" ADD CONSTRAINT "PipelineSecret_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PipelineSecret" ADD CONSTRAINT "PipelineSecret_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Audit: every change recorded by the statement that makes it (the row's lastChange, changedBy, changedVia), the
-- secret's name as the detail (never its value). A delete first records who deletes in the row (lastChange
-- 'delete', which the update branch passes over), then deletes it.
CREATE FUNCTION "pipeline_secret_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'pipeline_secret.create', 'pipeline_secret', NEW."id"::text,
                NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW."lastChange" IS DISTINCT FROM 'delete' THEN
            INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
            VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'pipeline_secret.' || COALESCE(NEW."lastChange", 'update'), 'pipeline_secret',
                    NEW."id"::text, NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."name");
        END IF;
        RETURN NEW;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'pipeline_secret.delete', 'pipeline_secret', OLD."id"::text,
            OLD."userId", OLD."workspaceId", OLD."changedBy", OLD."changedVia", OLD."name");
    RETURN OLD;
END;
$$;
CREATE TRIGGER "PipelineSecret_audit" AFTER INSERT OR UPDATE OR DELETE ON "PipelineSecret" FOR EACH ROW EXECUTE FUNCTION "pipeline_secret_audit"();
