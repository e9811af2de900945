CREATE TEMP TABLE "dbferry_stage_0123456789ab" (LIKE "public"."Orders" INCLUDING DEFAULTS) ON COMMIT DROP;

INSERT INTO "public"."Orders" ("tenant", "order no", "note", "a""b")
SELECT "tenant", "order no", "note", "a""b" FROM "dbferry_stage_0123456789ab"
ON CONFLICT ("tenant", "order no") DO UPDATE SET "note" = EXCLUDED."note", "a""b" = EXCLUDED."a""b"
