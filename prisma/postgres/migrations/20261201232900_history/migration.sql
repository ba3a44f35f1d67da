-- Written by hand from the SQLite migration of the same name.

-- CreateTable
CREATE TABLE "CredentialVersion" (
    "credentialId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "keys" TEXT NOT NULL,
    "baseUrl" TEXT,
    "secret" TEXT,
    "changed" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "actor" TEXT,
    "door" TEXT,
    "restoredFrom" INTEGER,

    CONSTRAINT "CredentialVersion_pkey" PRIMARY KEY ("credentialId", "number")
);

-- AlterTable
ALTER TABLE "Credential" ADD COLUMN "keyVersion" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "expiresAt" TIMESTAMP(3),
ADD COLUMN "expiresAtSource" TEXT,
ADD COLUMN "userExpiresAt" TIMESTAMP(3),
ADD COLUMN "derivedExpiresAt" TIMESTAMP(3),
ADD COLUMN "derivedExpirySource" TEXT,
ADD COLUMN "purged" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Credential_expiresAt_idx" ON "Credential"("expiresAt");
CREATE INDEX "Credential_deleted_purged_idx" ON "Credential"("deleted", "purged");

-- AddForeignKey
ALTER TABLE "CredentialVersion" ADD CONSTRAINT "CredentialVersion_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential"("id") ON DELETE CASCADE ON UPDATE CASCADE;
