-- AlterTable
ALTER TABLE "AccessToken" ADD COLUMN "createdBy" TEXT;
ALTER TABLE "AccessToken" ADD COLUMN "createdVia" TEXT;
ALTER TABLE "AccessToken" ADD COLUMN "revokedBy" TEXT;
ALTER TABLE "AccessToken" ADD COLUMN "revokedVia" TEXT;

-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "changedBy" TEXT;
ALTER TABLE "Credential" ADD COLUMN "changedVia" TEXT;
ALTER TABLE "Credential" ADD COLUMN "lastChange" TEXT;

-- AlterTable
ALTER TABLE "User" ADD COLUMN "createdVia" TEXT;

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "ownerUserId" TEXT,
    "actor" TEXT,
    "door" TEXT
);

-- CreateIndex
CREATE INDEX "AuditEvent_targetId_idx" ON "AuditEvent"("targetId");

-- CreateIndex
CREATE INDEX "AuditEvent_ownerUserId_id_idx" ON "AuditEvent"("ownerUserId", "id");

-- Audit triggers (written by hand; Prisma's schema language has no triggers).
-- Each change writes its AuditEvent row inside the statement that makes it,
-- so no change can be committed without its audit row.
CREATE TRIGGER "Credential_audit_insert" AFTER INSERT ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'create'), 'credential',
            NEW."id", NEW."userId", NEW."changedBy", NEW."changedVia");
END;

CREATE TRIGGER "Credential_audit_update" AFTER UPDATE ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'update'), 'credential',
            NEW."id", NEW."userId", NEW."changedBy", NEW."changedVia");
END;

CREATE TRIGGER "AccessToken_audit_insert" AFTER INSERT ON "AccessToken"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'token.create', 'token', NEW."id", NEW."userId", NEW."createdBy", NEW."createdVia");
END;

CREATE TRIGGER "AccessToken_audit_revoke" AFTER UPDATE OF "revokedAt" ON "AccessToken"
WHEN OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'token.revoke', 'token', NEW."id", NEW."userId", NEW."revokedBy", NEW."revokedVia");
END;

CREATE TRIGGER "User_audit_insert" AFTER INSERT ON "User"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'user.create', 'user', NEW."id", NEW."id", 'operator', NEW."createdVia");
END;
