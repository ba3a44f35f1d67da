-- Written by hand from the SQLite migration of the same name.

-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "expiryNotice" TEXT,
ADD COLUMN "expiryNoticeFor" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" TEXT NOT NULL,
    "ownerUserId" TEXT,
    "workspaceId" INTEGER,
    "url" TEXT NOT NULL,
    "kinds" TEXT,
    "secret" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "failingSince" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL,
    "lastChange" TEXT,
    "changedBy" TEXT,
    "changedVia" TEXT,
    "changeDetail" TEXT,

    CONSTRAINT "Webhook_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" SERIAL NOT NULL,
    "webhookId" TEXT NOT NULL,
    "eventId" INTEGER NOT NULL,
    "targetId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" BIGINT NOT NULL DEFAULT 0,
    "lastAttemptAt" TIMESTAMP(3),
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Webhook_ownerUserId_idx" ON "Webhook"("ownerUserId");
CREATE INDEX "Webhook_workspaceId_idx" ON "Webhook"("workspaceId");
CREATE INDEX "WebhookDelivery_webhookId_status_id_idx" ON "WebhookDelivery"("webhookId", "status", "id");
CREATE INDEX "WebhookDelivery_webhookId_id_idx" ON "WebhookDelivery"("webhookId", "id");
CREATE UNIQUE INDEX "WebhookDelivery_webhookId_eventId_key" ON "WebhookDelivery"("webhookId", "eventId");

-- AddForeignKey
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Triggers (by hand), as in the SQLite migration.
CREATE FUNCTION "webhook_audit"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
        VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'webhook.create', 'webhook', NEW."id", NEW."ownerUserId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
        RETURN NEW;
    ELSIF TG_OP = 'UPDATE' THEN
        IF OLD."status" <> NEW."status" THEN
            INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
            VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'webhook.' || COALESCE(NEW."lastChange", 'disable'), 'webhook', NEW."id", NEW."ownerUserId", NEW."workspaceId", NEW."changedBy", NEW."changedVia", NEW."changeDetail");
        END IF;
        RETURN NEW;
    END IF;
    INSERT INTO "AuditEvent" ("at", "action", "targetType", "targetId", "ownerUserId", "workspaceId", "actor", "door", "detail")
    VALUES (clock_timestamp() AT TIME ZONE 'UTC', 'webhook.delete', 'webhook', OLD."id", OLD."ownerUserId", OLD."workspaceId", OLD."changedBy", OLD."changedVia", OLD."changeDetail");
    RETURN OLD;
END;
$$;
CREATE TRIGGER "Webhook_audit" AFTER INSERT OR UPDATE OF "status" OR DELETE ON "Webhook" FOR EACH ROW EXECUTE FUNCTION "webhook_audit"();

-- The outbox, as on SQLite; and a notification at commit (none for a rolled-back change),
-- `<id> <action>`, that wakes every instance's event feed (live subscriptions) and the webhook dispatcher.
CREATE FUNCTION "audit_event_fanout"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "WebhookDelivery" ("webhookId", "eventId", "targetId")
    SELECT w."id", NEW."id", NEW."targetId" FROM "Webhook" w
    WHERE w."status" = 'ACTIVE'
      AND (w."workspaceId" = NEW."workspaceId" OR (w."workspaceId" IS NULL AND w."ownerUserId" = NEW."ownerUserId"))
      AND (w."kinds" IS NULL OR strpos(w."kinds", ',' || NEW."action" || ',') > 0);
    PERFORM pg_notify('audit_events', NEW."id"::text || ' ' || NEW."action");
    RETURN NEW;
END;
$$;
CREATE TRIGGER "AuditEvent_fanout" AFTER INSERT ON "AuditEvent" FOR EACH ROW EXECUTE FUNCTION "audit_event_fanout"();
