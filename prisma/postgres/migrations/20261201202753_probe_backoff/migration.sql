-- CreateTable
CREATE TABLE "ProbeBackoff" (
    "credentialId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "failures" INTEGER NOT NULL,
    "retryAt" BIGINT NOT NULL,

    CONSTRAINT "ProbeBackoff_pkey" PRIMARY KEY ("credentialId")
);
