SELECT "dbferry_bucket"."dbferry_i"::text AS "bucket", count(*)::text AS "rows",
COALESCE(sum(hashint8extended(COALESCE(hashint8extended("id", 1), 1)
  # COALESCE(hashint4extended("i4", 2), 2)
  # COALESCE(hashint4extended("i2", 3), 3)
  # COALESCE(hash_numeric_extended("amount", 4), 4), 0)), 0)::text AS "digest_sum",
current_setting('server_encoding') AS "encoding"
FROM "public"."Orders" JOIN generate_series(0, 3) AS "dbferry_bucket" ("dbferry_i") ON "dbferry_bucket"."dbferry_i" = width_bucket("id"::bigint, $2::bigint[])
WHERE "id" > $1 AND (i4 > 0)
GROUP BY "dbferry_bucket"."dbferry_i"
