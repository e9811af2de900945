SELECT count(*)::text AS "rows",
COALESCE(sum(hashint8extended(COALESCE(hashint8extended("id", 1), 1)
  # COALESCE(hashint4extended("i4", 2), 2)
  # COALESCE(hashint4extended("i2", 3), 3)
  # COALESCE(hash_numeric_extended("amount", 4), 4)
  # COALESCE(hashfloat8extended("f8", 5), 5)
  # COALESCE(hashfloat4extended("f4", 6), 6)
  # COALESCE(hashint4extended("paid"::int, 7), 7)
  # COALESCE(hashtextextended("status" COLLATE "C", 8), 8)
  # COALESCE(hashtextextended("note" COLLATE "C", 9), 9)
  # COALESCE(hashbpcharextended("code" COLLATE "C", 10), 10)
  # COALESCE(uuid_hash_extended("uid", 11), 11)
  # COALESCE(CASE WHEN isfinite("day") THEN hashint4extended("day" - DATE '2000-01-01', 12) ELSE hashtextextended("day"::text, 12) END, 12)
  # COALESCE(timestamp_hash_extended("at", 13), 13)
  # COALESCE(timestamp_hash_extended("at_tz" AT TIME ZONE 'UTC', 14), 14)
  # COALESCE(time_hash_extended("t", 15), 15)
  # COALESCE(jsonb_hash_extended("doc"::jsonb, 16), 16)
  # COALESCE(jsonb_hash_extended("docb", 17), 17)
  # COALESCE(hashtextextended(("span"::text) COLLATE "C", 18), 18)
  # COALESCE(hashtextextended(("mood"::text) COLLATE "C", 19), 19)
  # COALESCE(hashtextextended((CASE WHEN scale("cash"::numeric) > 0 THEN rtrim(rtrim("cash"::numeric::text, '0'), '.') ELSE "cash"::numeric::text END) COLLATE "C", 20), 20)
  # COALESCE(hashtextextended((encode("raw", 'hex')) COLLATE "C", 21), 21), 0)), 0)::text AS "digest_sum",
current_setting('server_encoding') AS "encoding"
FROM "public"."Orders" WHERE "id" > $1 AND "id" <= $2
