MERGE INTO "with space"."order" t
USING (
  SELECT 9007199254740993 "order", 'it''s ünïcode' "MixedCase", -12345678901234567890.0000000001 "a b", 1 "flag", 0.1d "ratio", HEXTORAW('0f8fad5bd9cb469fa16570867728950e') "uid", HEXTORAW('0001feff') "payload", DATE '2024-02-29' "born", TIMESTAMP '2024-02-29 23:59:59.123456' "at", TIMESTAMP '2024-02-29 23:59:59.123456 +00:00' "at_utc", '{"b":1,"a":[true,null]}' "doc" FROM dual UNION ALL
  SELECT 1 "order", 'a]b' "MixedCase", NULL "a b", 0 "flag", -1.5e-7d "ratio", NULL "uid", NULL "payload", NULL "born", NULL "at", NULL "at_utc", NULL "doc" FROM dual
) s
ON (t."order" = s."order" AND t."MixedCase" = s."MixedCase")
WHEN MATCHED THEN UPDATE SET t."a b" = s."a b", t."flag" = s."flag", t."ratio" = s."ratio", t."uid" = s."uid", t."payload" = s."payload", t."born" = s."born", t."at" = s."at", t."at_utc" = s."at_utc", t."doc" = s."doc"
WHEN NOT MATCHED THEN INSERT ("order", "MixedCase", "a b", "flag", "ratio", "uid", "payload", "born", "at", "at_utc", "doc") VALUES (s."order", s."MixedCase", s."a b", s."flag", s."ratio", s."uid", s."payload", s."born", s."at", s."at_utc", s."doc")
