-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "createdVia" TEXT,
    "credentialsVersion" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AccessToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "createdBy" TEXT,
    "createdVia" TEXT,
    "revokedBy" TEXT,
    "revokedVia" TEXT,

    CONSTRAINT "AccessToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Credential" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "activeName" TEXT,
    "description" TEXT,
    "provider" TEXT NOT NULL,
    "baseUrl" TEXT,
    "category" TEXT,
    "keys" TEXT NOT NULL,
    "secret" TEXT,
    "deleted" TIMESTAMP(3),
    "lastUsed" TIMESTAMP(3),
    "dateCreated" TIMESTAMP(3) NOT NULL,
    "lastUpdated" TIMESTAMP(3) NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    "idempotencyKey" TEXT,
    "requestFingerprint" TEXT,

    CONSTRAINT "Credential_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "ownerUserId" TEXT,
    "actor" TEXT,
    "door" TEXT,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_name_key" ON "User"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AccessToken_tokenHash_key" ON "AccessToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AccessToken_userId_idx" ON "AccessToken"("userId");

-- CreateIndex
CREATE INDEX "Credential_userId_deleted_dateCreated_id_idx" ON "Credential"("userId", "deleted", "dateCreated", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_userId_activeName_key" ON "Credential"("userId", "activeName");

-- CreateIndex
CREATE UNIQUE INDEX "Credential_userId_idempotencyKey_key" ON "Credential"("userId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "AuditEvent_targetId_idx" ON "AuditEvent"("targetId");

-- CreateIndex
CREATE INDEX "AuditEvent_ownerUserId_id_idx" ON "AuditEvent"("ownerUserId", "id");

-- AddForeignKey
ALTER TABLE "AccessToken" ADD CONSTRAINT "AccessToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Credential" ADD CONSTRAINT "Credential_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Triggers (written by hand: the Prisma schema language has none), as in the
-- SQLite migrations. Each change writes its AuditEvent row, and bumps the
-- owner credentialsVersion, inside the statement that makes it: no change is
-- committed without them.
CREATE FUNCTION "credential_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."userId";
        RETURN OLD;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC',
            'credential.' || COALESCE(NEW."lastChange", CASE TG_OP WHEN 'INSERT' THEN 'create' ELSE 'update' END),
            'credential', NEW."id", NEW."userId", NEW."changedBy", NEW."changedVia");
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
    RETURN NEW;
END;
$$;

CREATE TRIGGER "Credential_changed" AFTER INSERT OR UPDATE OR DELETE ON "Credential"
FOR EACH ROW EXECUTE FUNCTION "credential_changed"();

CREATE FUNCTION "token_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'token.create', 'token', NEW."id", NEW."userId", NEW."createdBy", NEW."createdVia");
    ELSIF OLD."revokedAt" IS NULL AND NEW."revokedAt" IS NOT NULL THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'token.revoke', 'token', NEW."id", NEW."userId", NEW."revokedBy", NEW."revokedVia");
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER "AccessToken_audit" AFTER INSERT OR UPDATE OF "revokedAt" ON "AccessToken"
FOR EACH ROW EXECUTE FUNCTION "token_audit"();

CREATE FUNCTION "user_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "actor", "door")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'user.create', 'user', NEW."id", NEW."id", 'operator', NEW."createdVia");
    RETURN NEW;
END;
$$;

CREATE TRIGGER "User_audit_insert" AFTER INSERT ON "User"
FOR EACH ROW EXECUTE FUNCTION "user_audit"();
