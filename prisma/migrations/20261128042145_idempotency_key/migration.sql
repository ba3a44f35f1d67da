-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "idempotencyKey" TEXT;
ALTER TABLE "Credential" ADD COLUMN "requestFingerprint" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Credential_userId_idempotencyKey_key" ON "Credential"("userId", "idempotencyKey");
