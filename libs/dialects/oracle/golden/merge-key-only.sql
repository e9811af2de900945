MERGE INTO "APP"."order" "t"
USING (SELECT TO_NUMBER(:1) AS "c0", :2 AS "c1" FROM dual) "s"
ON ("t"."order" = "s"."c0" AND "t"."MixedCase" = "s"."c1")
WHEN NOT MATCHED THEN INSERT ("order", "MixedCase") VALUES ("s"."c0", "s"."c1")
