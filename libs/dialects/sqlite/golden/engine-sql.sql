-- SQLite
-- identifiers
"plain"
"Mixed Case"
"q""u`o]te"
-- strings
'it''s'
'back\slash'
'ü'
-- literals
'-9223372036854775808'
'12.50'
'2024-02-29'
'2024-02-29 23:59:59.123456'
'2024-02-29 23:59:59.5+00:00'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'o''k'
'o''k'
1
0
-- filter (sqlite; identifier quotes "; national strings false; # comments false; boolean values true)
LOWER("a")
UPPER("a")
LENGTH("a")
COALESCE("a", 2)
ABS("a")
ROUND("a", 2)
TRIM("a")
SUBSTR("a", 2, 3)
DATE("a")
CURRENT_DATE
CURRENT_TIMESTAMP
ROUND("a")
CAST(STRFTIME('%Y', "t") AS INTEGER)
CAST(STRFTIME('%m', "t") AS INTEGER)
CAST(STRFTIME('%d', "t") AS INTEGER)
CAST(STRFTIME('%H', "t") AS INTEGER)
CAST(STRFTIME('%M', "t") AS INTEGER)
CAST(STRFTIME('%S', "t") AS INTEGER)
CAST("x" AS INTEGER)
CAST("x" AS INTEGER)
CAST("x" AS INTEGER)
CAST("x" AS NUMERIC)
CAST("x" AS NUMERIC)
CAST("x" AS NUMERIC)
CAST("x" AS REAL)
CAST("x" AS TEXT)
CAST("x" AS TEXT)
CAST("x" AS TEXT)
DATE("x")
DATETIME("x")
"a" % 3
-- delete
DELETE FROM "s"."t" WHERE "id" IN (1, 2)
-- keyless staging swap
DROP TABLE IF EXISTS "s"."stage"
(stage created from the columns)
DELETE FROM "s"."t";
INSERT INTO "s"."t" ("a", "b") SELECT "a", "b" FROM "s"."stage"
DROP TABLE "s"."stage"
