-- Written by hand from the SQLite migration of the same name (see README, Data and migrations).

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "detail" TEXT,
ADD COLUMN "workspaceId" INTEGER;

-- CreateTable
CREATE TABLE "Organization" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT,

    CONSTRAINT "Organization_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrganizationMember" (
    "organizationId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changedBy" TEXT,
    "changedVia" TEXT,

    CONSTRAINT "OrganizationMember_pkey" PRIMARY KEY ("organizationId","userId")
);

-- CreateTable
CREATE TABLE "Workspace" (
    "id" SERIAL NOT NULL,
    "organizationId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT,
    "credentialsVersion" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "Workspace_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkspaceParticipant" (
    "workspaceId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changedBy" TEXT,
    "changedVia" TEXT,

    CONSTRAINT "WorkspaceParticipant_pkey" PRIMARY KEY ("workspaceId","userId")
);

-- AlterTable: a credential belongs to a user or to a workspace, exactly one (the check is by hand).
ALTER TABLE "Credential" ALTER COLUMN "userId" DROP NOT NULL,
ADD COLUMN "workspaceId" INTEGER,
ADD CONSTRAINT "Credential_one_context" CHECK (("userId" IS NULL) <> ("workspaceId" IS NULL));

-- CreateIndex
CREATE UNIQUE INDEX "Organization_name_key" ON "Organization"("name");
CREATE INDEX "OrganizationMember_userId_idx" ON "OrganizationMember"("userId");
CREATE UNIQUE INDEX "Workspace_organizationId_name_key" ON "Workspace"("organizationId", "name");
CREATE INDEX "WorkspaceParticipant_userId_idx" ON "WorkspaceParticipant"("userId");
CREATE INDEX "AuditEvent_workspaceId_id_idx" ON "AuditEvent"("workspaceId", "id");
CREATE INDEX "Credential_workspaceId_deleted_dateCreated_id_idx" ON "Credential"("workspaceId", "deleted", "dateCreated", "id");
CREATE UNIQUE INDEX "Credential_workspaceId_activeName_key" ON "Credential"("workspaceId", "activeName");
CREATE UNIQUE INDEX "Credential_workspaceId_idempotencyKey_key" ON "Credential"("workspaceId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "OrganizationMember" ADD CONSTRAINT "OrganizationMember_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OrganizationMember" ADD CONSTRAINT "OrganizationMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WorkspaceParticipant" ADD CONSTRAINT "WorkspaceParticipant_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WorkspaceParticipant" ADD CONSTRAINT "WorkspaceParticipant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Triggers (by hand), as in the SQLite migration: a credential's change records its context and bumps
-- that context's credentialsVersion; organizations, workspaces, memberships and roles are audited.
CREATE OR REPLACE FUNCTION "credential_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."userId";
        UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."workspaceId";
        RETURN OLD;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            'credential.' || COALESCE(NEW."lastChange", CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
            'credential', NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia");
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
    UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."workspaceId";
    RETURN NEW;
END;
$$;

CREATE FUNCTION "organization_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'organization.create', 'organization', NEW."id"::text, NEW."createdBy", NEW."createdVia", NEW."name");
    RETURN NEW;
END;
$$;
CREATE TRIGGER "Organization_audit_insert" AFTER INSERT ON "Organization" FOR EACH ROW EXECUTE FUNCTION "organization_audit"();

CREATE FUNCTION "workspace_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'workspace.create', 'workspace', NEW."id"::text, NEW."id", NEW."createdBy", NEW."createdVia", NEW."name");
    RETURN NEW;
END;
$$;
CREATE TRIGGER "Workspace_audit_insert" AFTER INSERT ON "Workspace" FOR EACH ROW EXECUTE FUNCTION "workspace_audit"();

CREATE FUNCTION "member_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door", "detail")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'member.add', 'organization', NEW."organizationId"::text, NEW."userId", NEW."changedBy", NEW."changedVia", NEW."role");
        RETURN NEW;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'member.remove', 'organization', OLD."organizationId"::text, OLD."userId", OLD."changedBy", OLD."changedVia", OLD."role");
    RETURN OLD;
END;
$$;
CREATE TRIGGER "OrganizationMember_audit" AFTER INSERT OR DELETE ON "OrganizationMember" FOR EACH ROW EXECUTE FUNCTION "member_audit"();

-- A removal first records who removes (changedBy, changedVia) in the row, then deletes it.
CREATE FUNCTION "participant_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'participant.add', 'user', NEW."userId", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."role");
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD."role" <> NEW."role" THEN
            INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
            VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'participant.role', 'user', NEW."userId", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", OLD."role" || '->' || NEW."role");
        END IF;
        RETURN NEW;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'participant.remove', 'user', OLD."userId", OLD."userId", OLD."workspaceId", OLD."changedBy", OLD."changedVia", OLD."role");
    RETURN OLD;
END;
$$;
CREATE TRIGGER "WorkspaceParticipant_audit" AFTER INSERT OR UPDATE OF "role" OR DELETE ON "WorkspaceParticipant" FOR EACH ROW EXECUTE FUNCTION "participant_audit"();
