SELECT "tenant", "order no" FROM (
SELECT "tenant", "order no", row_number() OVER (ORDER BY "tenant", "order no") AS "dbferry_rn", count(*) OVER () AS "dbferry_n"
FROM "public"."Orders" WHERE (tenant > 0)
) AS s WHERE "dbferry_rn" % GREATEST(ceil("dbferry_n"::numeric / $1::int)::bigint, 1) = 0 AND "dbferry_rn" < "dbferry_n"
ORDER BY "dbferry_rn"
