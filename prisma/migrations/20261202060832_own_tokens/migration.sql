-- Written by hand (Prisma's diff would redefine "AccessToken", dropping its audit triggers): plain ADD COLUMN
-- keeps them.

-- AlterTable
ALTER TABLE "AccessToken" ADD COLUMN "number" INTEGER;
ALTER TABLE "AccessToken" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'operator';

-- The existing tokens are numbered in the order they were made.
UPDATE "AccessToken" SET "number" = (
    SELECT COUNT(*) FROM "AccessToken" AS "earlier"
    WHERE "earlier"."createdAt" < "AccessToken"."createdAt"
       OR ("earlier"."createdAt" = "AccessToken"."createdAt" AND "earlier"."id" <= "AccessToken"."id")
);

-- CreateIndex
CREATE UNIQUE INDEX "AccessToken_number_key" ON "AccessToken"("number");

-- A new token takes the next number (writes are serialized on SQLite: no two take the same one).
CREATE TRIGGER "AccessToken_number" AFTER INSERT ON "AccessToken"
WHEN NEW."number" IS NULL
BEGIN
    UPDATE "AccessToken" SET "number" = (SELECT COALESCE(MAX("number"), 0) + 1 FROM "AccessToken") WHERE "id" = NEW."id";
END;
