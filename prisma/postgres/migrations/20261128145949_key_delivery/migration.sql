-- Written by hand from the SQLite migration of the same name.

-- AlterTable
ALTER TABLE "AccessToken" ADD COLUMN "scope" TEXT NOT NULL DEFAULT 'all';

-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "status" TEXT NOT NULL DEFAULT 'AVAILABLE',
ADD COLUMN "message" TEXT,
ADD COLUMN "lastValidated" TIMESTAMP(3),
ADD COLUMN "changeDetail" TEXT;

-- CreateTable
CREATE TABLE "Pairing" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdBy" TEXT,
    "createdVia" TEXT,

    CONSTRAINT "Pairing_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Pairing_name_key" ON "Pairing"("name");
CREATE UNIQUE INDEX "Pairing_fingerprint_key" ON "Pairing"("fingerprint");

-- CreateTable
CREATE TABLE "Lease" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "until" BIGINT NOT NULL,

    CONSTRAINT "Lease_pkey" PRIMARY KEY ("name")
);


-- Triggers (by hand), as in the SQLite migration.
CREATE OR REPLACE FUNCTION "credential_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."userId";
        UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."workspaceId";
        RETURN OLD;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            'credential.' || COALESCE(NEW."lastChange", CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
            'credential', NEW."id", NEW."userId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
    UPDATE "Workspace" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."workspaceId";
    RETURN NEW;
END;
$$;

CREATE FUNCTION "pairing_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'pairing.add', 'pairing', NEW."id", NEW."createdBy", NEW."createdVia", NEW."name");
        RETURN NEW;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'pairing.remove', 'pairing', OLD."id", 'operator', 'cli', OLD."name");
    RETURN OLD;
END;
$$;
CREATE TRIGGER "Pairing_audit" AFTER INSERT OR DELETE ON "Pairing" FOR EACH ROW EXECUTE FUNCTION "pairing_audit"();
