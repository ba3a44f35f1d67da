-- Organization names are unique whatever their case (`ACME` beside `acme` could pass for one another).
-- An existing name that differs from an older organization's only in case is renamed `<name>-<id>` first.
UPDATE "Organization" SET "name" = "name" || '-' || CAST("id" AS TEXT)
WHERE EXISTS (SELECT 1 FROM "Organization" o WHERE lower(o."name") = lower("Organization"."name") AND o."id" < "Organization"."id");

CREATE UNIQUE INDEX "Organization_name_lower_key" ON "Organization"(lower("name"));
