MERGE INTO "with space"."order" t
USING (
  SELECT 9007199254740993 "order", 'it''s ünïcode' "MixedCase" FROM dual UNION ALL
  SELECT 1 "order", 'a]b' "MixedCase" FROM dual
) s
ON (t."order" = s."order" AND t."MixedCase" = s."MixedCase")
WHEN NOT MATCHED THEN INSERT ("order", "MixedCase") VALUES (s."order", s."MixedCase")
