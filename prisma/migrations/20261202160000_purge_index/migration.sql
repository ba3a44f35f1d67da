-- The purge's index led by "purged": with "deleted" first, SQLite's planner took it for every query on live
-- credentials ("deleted" IS NULL) — the expiry upkeep scanned every live credential instead of its
-- "expiresAt" range (157 ms of a blocked event loop at 100,000 credentials).
DROP INDEX "Credential_deleted_purged_idx";

-- CreateIndex
CREATE INDEX "Credential_purged_deleted_idx" ON "Credential"("purged", "deleted");
