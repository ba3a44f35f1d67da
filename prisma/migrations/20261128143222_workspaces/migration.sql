-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "detail" TEXT;
ALTER TABLE "AuditEvent" ADD COLUMN "workspaceId" INTEGER;

-- CreateTable
CREATE TABLE "Organization" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT
);

-- CreateTable
CREATE TABLE "OrganizationMember" (
    "organizationId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changedBy" TEXT,
    "changedVia" TEXT,

    PRIMARY KEY ("organizationId", "userId"),
    CONSTRAINT "OrganizationMember_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OrganizationMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Workspace" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "organizationId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT,
    "credentialsVersion" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "Workspace_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WorkspaceParticipant" (
    "workspaceId" INTEGER NOT NULL,
    "userId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changedBy" TEXT,
    "changedVia" TEXT,

    PRIMARY KEY ("workspaceId", "userId"),
    CONSTRAINT "WorkspaceParticipant_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "WorkspaceParticipant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Credential" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "userId" TEXT,
    "workspaceId" INTEGER,
    "name" TEXT NOT NULL,
    "activeName" TEXT,
    "description" TEXT,
    "provider" TEXT NOT NULL,
    "baseUrl" TEXT,
    "category" TEXT,
    "keys" TEXT NOT NULL,
    "secret" TEXT,
    "deleted" DATETIME,
    "lastUsed" DATETIME,
    "dateCreated" DATETIME NOT NULL,
    "lastUpdated" DATETIME NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    "idempotencyKey" TEXT,
    "requestFingerprint" TEXT,
    CONSTRAINT "Credential_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Credential_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    -- (By hand: Prisma's schema has no checks.) Exactly one context: a user or a workspace.
    CONSTRAINT "Credential_one_context" CHECK (("userId" IS NULL) <> ("workspaceId" IS NULL))
);
INSERT INTO "new_Credential" ("activeName", "baseUrl", "category", "changedBy", "changedVia", "dateCreated", "deleted", "description", "id", "idempotencyKey", "keys", "lastChange", "lastUpdated", "lastUsed", "name", "provider", "requestFingerprint", "secret", "userId", "version") SELECT "activeName", "baseUrl", "category", "changedBy", "changedVia", "dateCreated", "deleted", "description", "id", "idempotencyKey", "keys", "lastChange", "lastUpdated", "lastUsed", "name", "provider", "requestFingerprint", "secret", "userId", "version" FROM "Credential";
DROP TABLE "Credential";
ALTER TABLE "new_Credential" RENAME TO "Credential";
CREATE INDEX "Credential_userId_deleted_dateCreated_id_idx" ON "Credential"("userId", "deleted", "dateCreated", "id");
CREATE INDEX "Credential_workspaceId_deleted_dateCreated_id_idx" ON "Credential"("workspaceId", "deleted", "dateCreated", "id");
CREATE UNIQUE INDEX "Credential_userId_activeName_key" ON "Credential"("userId", "activeName");
CREATE UNIQUE INDEX "Credential_userId_idempotencyKey_key" ON "Credential"("userId", "idempotencyKey");
CREATE UNIQUE INDEX "Credential_workspaceId_activeName_key" ON "Credential"("workspaceId", "activeName");
CREATE UNIQUE INDEX "Credential_workspaceId_idempotencyKey_key" ON "Credential"("workspaceId", "idempotencyKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Organization_name_key" ON "Organization"("name");

-- CreateIndex
CREATE INDEX "OrganizationMember_userId_idx" ON "OrganizationMember"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Workspace_organizationId_name_key" ON "Workspace"("organizationId", "name");

-- CreateIndex
CREATE INDEX "WorkspaceParticipant_userId_idx" ON "WorkspaceParticipant"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_workspaceId_id_idx" ON "AuditEvent"("workspaceId", "id");

-- Triggers (written by hand; Prisma's schema language has none). Redefining
-- "Credential" above dropped its triggers: they are created again, now with the
-- credential's context (user or workspace). Every change writes its AuditEvent
-- row, and bumps its context's credentialsVersion, inside its own statement.
CREATE TRIGGER "Credential_audit_insert" AFTER INSERT ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'create'), 'credential',
            NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia");
END;

CREATE TRIGGER "Credential_audit_update" AFTER UPDATE ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'update'), 'credential',
            NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia");
END;

CREATE TRIGGER "Credential_version_insert" AFTER INSERT ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
    UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."workspaceId";
END;

CREATE TRIGGER "Credential_version_update" AFTER UPDATE ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
    UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."workspaceId";
END;

CREATE TRIGGER "Credential_version_delete" AFTER DELETE ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."userId";
    UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."workspaceId";
END;

-- Organizations, workspaces, memberships and roles: every change audited.
CREATE TRIGGER "Organization_audit_insert" AFTER INSERT ON "Organization"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'organization.create', 'organization', CAST(NEW."id" AS TEXT),
            NEW."createdBy", NEW."createdVia", NEW."name");
END;

CREATE TRIGGER "Workspace_audit_insert" AFTER INSERT ON "Workspace"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'workspace.create', 'workspace', CAST(NEW."id" AS TEXT), NEW."id",
            NEW."createdBy", NEW."createdVia", NEW."name");
END;

CREATE TRIGGER "OrganizationMember_audit_insert" AFTER INSERT ON "OrganizationMember"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'member.add', 'organization', CAST(NEW."organizationId" AS TEXT),
            NEW."userId", NEW."changedBy", NEW."changedVia", NEW."role");
END;

CREATE TRIGGER "OrganizationMember_audit_delete" AFTER DELETE ON "OrganizationMember"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'member.remove', 'organization', CAST(OLD."organizationId" AS TEXT),
            OLD."userId", OLD."changedBy", OLD."changedVia", OLD."role");
END;

CREATE TRIGGER "WorkspaceParticipant_audit_insert" AFTER INSERT ON "WorkspaceParticipant"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'participant.add', 'user', NEW."userId", NEW."userId", NEW."workspaceId",
            NEW."changedBy", NEW."changedVia", NEW."role");
END;

CREATE TRIGGER "WorkspaceParticipant_audit_role" AFTER UPDATE OF "role" ON "WorkspaceParticipant"
WHEN OLD."role" <> NEW."role"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'participant.role', 'user', NEW."userId", NEW."userId", NEW."workspaceId",
            NEW."changedBy", NEW."changedVia", OLD."role" || '->' || NEW."role");
END;

-- A removal first records who removes (changedBy, changedVia) in the row, then deletes it.
CREATE TRIGGER "WorkspaceParticipant_audit_delete" AFTER DELETE ON "WorkspaceParticipant"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'participant.remove', 'user', OLD."userId", OLD."userId", OLD."workspaceId",
            OLD."changedBy", OLD."changedVia", OLD."role");
END;
