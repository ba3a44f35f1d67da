-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "expiryNotice" TEXT;
ALTER TABLE "Credential" ADD COLUMN "expiryNoticeFor" DATETIME;

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerUserId" TEXT,
    "workspaceId" INTEGER,
    "url" TEXT NOT NULL,
    "kinds" TEXT,
    "secret" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "failingSince" DATETIME,
    "disabledAt" DATETIME,
    "createdAt" DATETIME NOT NULL,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    "changeDetail" TEXT
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "webhookId" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "targetId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" BIGINT NOT NULL DEFAULT 0,
    "lastAttemptAt" DATETIME,
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" DATETIME,
    CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "Webhook_ownerUserId_idx" ON "Webhook"("ownerUserId");

-- CreateIndex
CREATE INDEX "Webhook_workspaceId_idx" ON "Webhook"("workspaceId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_status_id_idx" ON "WebhookDelivery"("webhookId", "status", "id");
CREATE INDEX "WebhookDelivery_webhookId_id_idx" ON "WebhookDelivery"("webhookId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "WebhookDelivery_webhookId_eventId_key" ON "WebhookDelivery"("webhookId", "eventId");

-- Triggers (written by hand; Prisma's schema language has no triggers).
-- Webhooks are audited like credentials: the statement that makes the change
-- records who made it (changedBy, changedVia; a removal first, then deletes).
CREATE TRIGGER "Webhook_audit_insert" AFTER INSERT ON "Webhook"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'webhook.create', 'webhook', NEW."id", NEW."ownerUserId", NEW."workspaceId",
            NEW."changedBy", NEW."changedVia", NEW."changeDetail");
END;

CREATE TRIGGER "Webhook_audit_status" AFTER UPDATE OF "status" ON "Webhook"
WHEN OLD."status" <> NEW."status"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'webhook.' || COALESCE(NEW."lastChange", 'disable'), 'webhook', NEW."id", NEW."ownerUserId",
            NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
END;

CREATE TRIGGER "Webhook_audit_delete" AFTER DELETE ON "Webhook"
BEGIN
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'webhook.delete', 'webhook', OLD."id", OLD."ownerUserId", OLD."workspaceId",
            OLD."changedBy", OLD."changedVia", OLD."changeDetail");
END;

-- The outbox: every event queues a delivery to each ACTIVE webhook of its
-- context (a workspace's; or a user's own, as the audit trail's contexts are)
-- whose kinds include it, in the statement that writes the event.
CREATE TRIGGER "AuditEvent_webhooks" AFTER INSERT ON "AuditEvent"
BEGIN
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "targetId")
    SELECT w."id", NEW."id", NEW."targetId" FROM "Webhook" w
    WHERE w."status" = 'ACTIVE'
      AND (w."workspaceId" = NEW."workspaceId" OR (w."workspaceId" IS NULL AND w."ownerUserId" = NEW."ownerUserId"))
      AND (w."kinds" IS NULL OR instr(w."kinds", ',' || NEW."action" || ',') > 0);
END;
