-- AlterTable (columns added in place: the table and its audit triggers stay as they are)
ALTER TABLE "Pairing" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'jwe';
ALTER TABLE "Pairing" ADD COLUMN "endpoint" TEXT;
ALTER TABLE "Pairing" ADD COLUMN "renewedAt" DATETIME;
ALTER TABLE "Pairing" ADD COLUMN "lastUsedAt" DATETIME;
ALTER TABLE "Pairing" ADD COLUMN "retiresAt" DATETIME;
