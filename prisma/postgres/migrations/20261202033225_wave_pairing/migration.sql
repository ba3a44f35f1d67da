-- Written by hand from the SQLite migration of the same name.

-- AlterTable
ALTER TABLE "Pairing" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'jwe',
ADD COLUMN "endpoint" TEXT,
ADD COLUMN "renewedAt" TIMESTAMP(3),
ADD COLUMN "lastUsedAt" TIMESTAMP(3),
ADD COLUMN "retiresAt" TIMESTAMP(3);
