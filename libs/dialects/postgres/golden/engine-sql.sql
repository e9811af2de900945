-- PostgreSQL
-- identifiers
"plain"
"Mixed Case"
"q""u`o]te"
-- strings
'it''s'
E'back\\slash'
'ü'
-- literals
-9223372036854775808
12.50
DATE '2024-02-29'
TIMESTAMP '2024-02-29 23:59:59.123456'
TIMESTAMPTZ '2024-02-29 23:59:59.5+00:00'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'o''k'
'o''k'
TRUE
FALSE
-- filter (postgresql; identifier quotes "; national strings false; # comments false; boolean values true)
LOWER("a")
UPPER("a")
CHAR_LENGTH("a")
COALESCE("a", 2)
ABS("a")
ROUND("a", 2)
TRIM("a")
SUBSTR("a", 2, 3)
CAST("a" AS DATE)
CURRENT_DATE
CURRENT_TIMESTAMP
ROUND("a")
EXTRACT(YEAR FROM "t")
EXTRACT(MONTH FROM "t")
EXTRACT(DAY FROM "t")
EXTRACT(HOUR FROM "t")
EXTRACT(MINUTE FROM "t")
EXTRACT(SECOND FROM "t")
CAST("x" AS SMALLINT)
CAST("x" AS INTEGER)
CAST("x" AS BIGINT)
CAST("x" AS NUMERIC)
CAST("x" AS NUMERIC(12))
CAST("x" AS NUMERIC(12, 2))
CAST("x" AS DOUBLE PRECISION)
CAST("x" AS TEXT)
CAST("x" AS VARCHAR(20))
CAST("x" AS VARCHAR(5000))
CAST("x" AS DATE)
CAST("x" AS TIMESTAMP)
"a" % 3
-- delete
DELETE FROM "s"."t" WHERE "id" IN (1, 2)
-- keyless staging swap
DROP TABLE IF EXISTS "s"."stage"
(stage created from the columns)
DELETE FROM "s"."t";
INSERT INTO "s"."t" ("a", "b") SELECT "a", "b" FROM "s"."stage"
DROP TABLE "s"."stage"
-- native types (catalog)
CREATE TYPE "s"."mood" AS ENUM ('ok', 'it''s')
