-- Written by hand from the SQLite migration of the same name.

-- AlterTable: a sequence numbers the tokens (the existing ones in the order they were made).
CREATE SEQUENCE "AccessToken_number_seq" AS INTEGER;
ALTER TABLE "AccessToken" ADD COLUMN "number" INTEGER;
ALTER TABLE "AccessToken" ADD COLUMN "origin" TEXT NOT NULL DEFAULT 'operator';
UPDATE "AccessToken" SET "number" = "numbered"."n"
FROM (SELECT "id", ROW_NUMBER() OVER (ORDER BY "createdAt", "id") AS "n" FROM "AccessToken") AS "numbered"
WHERE "AccessToken"."id" = "numbered"."id";
SELECT setval('"AccessToken_number_seq"', COALESCE((SELECT MAX("number") FROM "AccessToken"), 0) + 1, false);
ALTER TABLE "AccessToken" ALTER COLUMN "number" SET DEFAULT nextval('"AccessToken_number_seq"');
ALTER SEQUENCE "AccessToken_number_seq" OWNED BY "AccessToken"."number";

-- CreateIndex
CREATE UNIQUE INDEX "AccessToken_number_key" ON "AccessToken"("number");
