-- AlterTable (a plain ADD COLUMN: redefining "User" would drop its audit trigger)
ALTER TABLE "User" ADD COLUMN "credentialsVersion" INTEGER NOT NULL DEFAULT 0;

-- Every change to a credential bumps its owner's credentialsVersion in the same
-- statement (and so the same transaction): a cached page is served only while
-- the version it was read at is still the current one.
CREATE TRIGGER "Credential_version_insert" AFTER INSERT ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
END;

CREATE TRIGGER "Credential_version_update" AFTER UPDATE ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = NEW."userId";
END;

CREATE TRIGGER "Credential_version_delete" AFTER DELETE ON "Credential"
BEGIN
    UPDATE "User" SET "credentialsVersion" = "credentialsVersion" + 1 WHERE "id" = OLD."userId";
END;
