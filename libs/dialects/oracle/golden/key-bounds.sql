SELECT "order" AS "order", "MixedCase" AS "MixedCase" FROM "APP"."order" ORDER BY "order" DESC, "MixedCase" DESC FETCH FIRST 1 ROWS ONLY
