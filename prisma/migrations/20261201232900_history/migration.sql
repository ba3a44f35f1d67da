-- CreateTable
CREATE TABLE "CredentialVersion" (
    "credentialId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "keys" TEXT NOT NULL,
    "baseUrl" TEXT,
    "secret" TEXT,
    "changed" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL,
    "actor" TEXT,
    "door" TEXT,
    "restoredFrom" INTEGER,

    PRIMARY KEY ("credentialId", "number"),
    CONSTRAINT "CredentialVersion_credentialId_fkey" FOREIGN KEY ("credentialId") REFERENCES "Credential" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (columns added in place: the table and its triggers stay as they are)
ALTER TABLE "Credential" ADD COLUMN "keyVersion" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Credential" ADD COLUMN "expiresAt" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "expiresAtSource" TEXT;
ALTER TABLE "Credential" ADD COLUMN "userExpiresAt" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "derivedExpiresAt" DATETIME;
ALTER TABLE "Credential" ADD COLUMN "derivedExpirySource" TEXT;
ALTER TABLE "Credential" ADD COLUMN "purged" DATETIME;

-- CreateIndex
CREATE INDEX "Credential_expiresAt_idx" ON "Credential"("expiresAt");
CREATE INDEX "Credential_deleted_purged_idx" ON "Credential"("deleted", "purged");
