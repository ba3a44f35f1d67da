-- CreateTable
CREATE TABLE "ProbeBackoff" (
    "credentialId" TEXT NOT NULL PRIMARY KEY,
    "version" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "retryAt" BIGINT NOT NULL
);
