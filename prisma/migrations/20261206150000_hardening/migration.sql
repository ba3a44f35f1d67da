-- Written by hand (Prisma's diff would redefine "Webhook", dropping its audit triggers): plain ADD COLUMN
-- keeps them.

-- A machine rule's service user is one the service made for that rule, named `oidc:<rule>` (people's names
-- cannot hold `:`). The service users made before (`oidc-<rule>`, by the exchange: created through REST,
-- never signed in) are marked and renamed; a person who took such a name keeps their account, as a person.
ALTER TABLE "User" ADD COLUMN "serviceRule" TEXT;
UPDATE "User" SET "serviceRule" = substr("name", 6), "name" = 'oidc:' || substr("name", 6)
WHERE "name" LIKE 'oidc-%' AND "oidcIssuer" IS NULL AND "createdVia" = 'rest';
CREATE UNIQUE INDEX "User_serviceRule_key" ON "User"("serviceRule");

-- Users are numbered (Seqera's integer user id): the existing ones in the order they were made.
ALTER TABLE "User" ADD COLUMN "number" INTEGER;
UPDATE "User" SET "number" = (
    SELECT COUNT(*) FROM "User" AS "earlier"
    WHERE "earlier"."createdAt" < "User"."createdAt"
       OR ("earlier"."createdAt" = "User"."createdAt" AND "earlier"."id" <= "User"."id")
);
CREATE UNIQUE INDEX "User_number_key" ON "User"("number");
CREATE TRIGGER "User_number" AFTER INSERT ON "User"
WHEN NEW."number" IS NULL
BEGIN
    UPDATE "User" SET "number" = (SELECT COALESCE(MAX("number"), 0) + 1 FROM "User") WHERE "id" = NEW."id";
END;

-- Token numbers count per user (one global sequence told everyone how many tokens exist). The numbers
-- given so far stay (clients keep them); a new token takes its user's highest + 1.
DROP INDEX "AccessToken_number_key";
CREATE UNIQUE INDEX "AccessToken_userId_number_key" ON "AccessToken"("userId", "number");
DROP TRIGGER "AccessToken_number";
CREATE TRIGGER "AccessToken_number" AFTER INSERT ON "AccessToken"
WHEN NEW."number" IS NULL
BEGIN
    UPDATE "AccessToken" SET "number" = (SELECT COALESCE(MAX("number"), 0) + 1 FROM "AccessToken" WHERE "userId" = NEW."userId")
    WHERE "id" = NEW."id";
END;

-- Webhooks: who created them (fair shares, and the check that they may still manage the context's webhooks),
-- PAUSED, and when each may next be due (the dispatcher reads only the due ones).
ALTER TABLE "Webhook" ADD COLUMN "creatorUserId" TEXT;
ALTER TABLE "Webhook" ADD COLUMN "pausedAt" DATETIME;
ALTER TABLE "Webhook" ADD COLUMN "dueAt" BIGINT;
ALTER TABLE "Webhook" ADD COLUMN "queued" INTEGER NOT NULL DEFAULT 0;
UPDATE "Webhook" SET "creatorUserId" = COALESCE(
    (SELECT e."actor" FROM "AuditEvent" e WHERE e."targetId" = "Webhook"."id" AND e."action" = 'webhook.create' AND e."actor" <> 'operator'
     ORDER BY e."id" LIMIT 1),
    "ownerUserId");
UPDATE "Webhook" SET "dueAt" = 0
WHERE EXISTS (SELECT 1 FROM "WebhookDelivery" d WHERE d."webhookId" = "Webhook"."id" AND d."status" = 'PENDING');
CREATE INDEX "Webhook_creatorUserId_idx" ON "Webhook"("creatorUserId");
CREATE INDEX "Webhook_status_dueAt_idx" ON "Webhook"("status", "dueAt");

-- The outbox, as before, and each webhook given a delivery is due now, unless it is backing off (a failing
-- endpoint is tried when its backoff ends, however many events come meanwhile).
DROP TRIGGER "AuditEvent_webhooks";
CREATE TRIGGER "AuditEvent_webhooks" AFTER INSERT ON "AuditEvent"
BEGIN
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "targetId")
    SELECT w."id", NEW."id", NEW."targetId" FROM "Webhook" w
    WHERE w."status" = 'ACTIVE'
      AND (w."workspaceId" = NEW."workspaceId" OR (w."workspaceId" IS NULL AND w."ownerUserId" = NEW."ownerUserId"))
      AND (w."kinds" IS NULL OR instr(w."kinds", ',' || NEW."action" || ',') > 0);
    UPDATE "Webhook" SET "dueAt" = COALESCE("dueAt", 0), "queued" = "queued" + 1
    WHERE "status" = 'ACTIVE'
      AND ("workspaceId" = NEW."workspaceId" OR ("workspaceId" IS NULL AND "ownerUserId" = NEW."ownerUserId"))
      AND ("kinds" IS NULL OR instr("kinds", ',' || NEW."action" || ',') > 0);
END;

-- CreateTable
CREATE TABLE "KeyCheck" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sealed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL
);
