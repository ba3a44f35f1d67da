-- Written by hand (Prisma's diff would redefine "AccessToken" and "Credential", dropping their triggers
-- and the check that a credential has one context): plain ADD COLUMN keeps them.

-- AlterTable
ALTER TABLE "AccessToken" ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'all';

-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'AVAILABLE';
ALTER TABLE "Credential" ADD COLUMN "message" TEXT;
ALTER TABLE "Credential" ADD COLUMN "lastValidated" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "changeDetail" TEXT;

-- CreateTable
CREATE TABLE "Pairing" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "Pairing_name_key" ON "Pairing"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Pairing_fingerprint_key" ON "Pairing"("fingerprint");

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "until" BIGINT NOT NULL
);


-- Triggers (by hand): a credential's audit row carries what the change concerned (changeDetail: the
-- pairing a delivery went to); pairings are audited when added and removed.
DROP TRIGGER "Credential_audit_insert";
DROP TRIGGER "Credential_audit_update";

CREATE TRIGGER "Credential_audit_insert" AFTER INSERT ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'create'), 'credential',
            NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
END;

CREATE TRIGGER "Credential_audit_update" AFTER UPDATE ON "Credential"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'credential.' || COALESCE(NEW."lastChange", 'update'), 'credential',
            NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
END;

CREATE TRIGGER "Pairing_audit_insert" AFTER INSERT ON "Pairing"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pairing.add', 'pairing', NEW."id", NEW."createdBy", NEW."createdVia", NEW."name");
END;

CREATE TRIGGER "Pairing_audit_delete" AFTER DELETE ON "Pairing"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'pairing.remove', 'pairing', OLD."id", 'operator', 'cli', OLD."name");
END;
