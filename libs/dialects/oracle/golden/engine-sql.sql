-- Oracle
-- identifiers
"plain"
"Mixed Case"
"q""u`o]te"
-- strings
'it''s'
'back\slash'
'ü'
-- literals
-9223372036854775808
12.50
DATE '2024-02-29'
TIMESTAMP '2024-02-29 23:59:59.123456'
TIMESTAMP '2024-02-29 23:59:59.5 +00:00'
'0f8fad5b-d9cb-469f-a165-70867728950e'
HEXTORAW('0f8fad5bd9cb469fa16570867728950e')
'o''k'
'o''k'
1
0
-- filter (postgresql; identifier quotes "; national strings false; # comments false; boolean values false)
LOWER("a")
UPPER("a")
LENGTH("a")
COALESCE("a", 2)
ABS("a")
ROUND("a", 2)
TRIM("a")
SUBSTR("a", 2, 3)
TRUNC("a")
TRUNC(SYSDATE)
CURRENT_TIMESTAMP
ROUND("a")
EXTRACT(YEAR FROM "t")
EXTRACT(MONTH FROM "t")
EXTRACT(DAY FROM "t")
EXTRACT(HOUR FROM "t")
EXTRACT(MINUTE FROM "t")
EXTRACT(SECOND FROM "t")
CAST("x" AS INTEGER)
CAST("x" AS INTEGER)
CAST("x" AS INTEGER)
CAST("x" AS NUMBER)
CAST("x" AS NUMBER(12))
CAST("x" AS NUMBER(12, 2))
CAST("x" AS BINARY_DOUBLE)
CAST("x" AS VARCHAR2(4000))
CAST("x" AS VARCHAR2(20))
CAST("x" AS VARCHAR2(5000))
CAST("x" AS DATE)
CAST("x" AS TIMESTAMP)
MOD("a", 3)
-- delete
DELETE FROM "s"."t" WHERE "id" IN (1, 2)
-- keyless staging swap
BEGIN EXECUTE IMMEDIATE 'DROP TABLE "s"."stage" PURGE'; EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;
(stage created from the columns)
BEGIN DELETE FROM "s"."t"; INSERT INTO "s"."t" ("a", "b") SELECT "a", "b" FROM "s"."stage"; END;
DROP TABLE "s"."stage" PURGE
