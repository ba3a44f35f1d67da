-- Written by hand from the SQLite migration of the same name.

-- A machine rule's service user: one the service made for that rule, named `oidc:<rule>`.
ALTER TABLE "User" ADD COLUMN "serviceRule" TEXT;
UPDATE "User" SET "serviceRule" = substr("name", 6), "name" = 'oidc:' || substr("name", 6)
WHERE "name" LIKE 'oidc-%' AND "oidcIssuer" IS NULL AND "createdVia" = 'rest';
CREATE UNIQUE INDEX "User_serviceRule_key" ON "User"("serviceRule");

-- Users are numbered by a sequence (the existing ones in the order they were made).
CREATE SEQUENCE "User_number_seq" AS INTEGER;
ALTER TABLE "User" ADD COLUMN "number" INTEGER;
UPDATE "User" SET "number" = "numbered"."n"
FROM (SELECT "id", ROW_NUMBER() OVER (ORDER BY "createdAt", "id") AS "n" FROM "User") AS "numbered"
WHERE "User"."id" = "numbered"."id";
SELECT setval('"User_number_seq"', COALESCE((SELECT MAX("number") FROM "User"), 0) + 1, false);
ALTER TABLE "User" ALTER COLUMN "number" SET DEFAULT nextval('"User_number_seq"');
ALTER SEQUENCE "User_number_seq" OWNED BY "User"."number";
CREATE UNIQUE INDEX "User_number_key" ON "User"("number");

-- Token numbers count per user: the numbers given so far stay; a new token takes its user's highest + 1
-- (the user's row locked meanwhile: two tokens of one user made at once get two numbers).
ALTER TABLE "AccessToken" ALTER COLUMN "number" DROP DEFAULT;
DROP SEQUENCE "AccessToken_number_seq";
DROP INDEX "AccessToken_number_key";
CREATE UNIQUE INDEX "AccessToken_userId_number_key" ON "AccessToken"("userId", "number");
CREATE FUNCTION "access_token_number"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW."number" IS NULL THEN
        PERFORM 1 FROM "User" WHERE "id" = NEW."userId" FOR UPDATE;
        NEW."number" := (SELECT COALESCE(MAX("number"), 0) + 1 FROM "AccessToken" WHERE "userId" = NEW."userId");
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER "AccessToken_number" BEFORE INSERT ON "AccessToken" FOR EACH ROW EXECUTE FUNCTION "access_token_number"();

-- Webhooks: creator, PAUSED, when each may next be due.
ALTER TABLE "Webhook" ADD COLUMN "creatorUserId" TEXT,
ADD COLUMN "pausedAt" TIMESTAMP(3),
ADD COLUMN "dueAt" BIGINT,
ADD COLUMN "queued" INTEGER NOT NULL DEFAULT 0;
UPDATE "Webhook" SET "creatorUserId" = COALESCE(
    (SELECT e."actor" FROM "AuditEvent" e WHERE e."targetId" = "Webhook"."id" AND e."action" = 'webhook.create' AND e."actor" <> 'operator'
     ORDER BY e."id" LIMIT 1),
    "ownerUserId");
UPDATE "Webhook" SET "dueAt" = 0
WHERE EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."webhookId" = "Webhook"."id" AND d."status" = 'PENDING');
CREATE INDEX "Webhook_creatorUserId_idx" ON "Webhook"("creatorUserId");
CREATE INDEX "Webhook_status_dueAt_idx" ON "Webhook"("status", "dueAt");

-- The outbox, as before, and each webhook given a delivery is due now unless it is backing off; the
-- notification at commit as before.
CREATE OR REPLACE FUNCTION "audit_event_fanout"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH "matched" AS (
        UPDATE "Webhook" w SET "dueAt" = COALESCE(w."dueAt", 0), "queued" = w."queued" + 1
        WHERE w."status" = 'ACTIVE'
          AND (w."workspaceId" = NEW."workspaceId" OR (w."workspaceId" IS NULL AND w."ownerUserId" = NEW."ownerUserId"))
          AND (w."kinds" IS NULL OR strpos(w."kinds", ',' || NEW."action" || ',') > 0)
        RETURNING w."id"
    )
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "targetId")
    SELECT "matched"."id", NEW."id", NEW."targetId" FROM "matched";
    PERFORM pg_notify('audit_events', NEW."id"::text || ' ' || NEW."action");
    RETURN NEW;
END;
$$;

-- CreateTable
CREATE TABLE "KeyCheck" (
    "id" TEXT NOT NULL,
    "sealed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KeyCheck_pkey" PRIMARY KEY ("id")
);
