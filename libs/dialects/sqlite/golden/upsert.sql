INSERT INTO "main"."a""b" ("order", "MixedCase", "with space", "a""b", "таблица", "u", "j")
VALUES
  (CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?),
  (CAST(? AS INTEGER), ?, ?, ?, ?, ?, ?)
ON CONFLICT ("order", "MixedCase") DO UPDATE SET
  "with space" = excluded."with space",
  "a""b" = excluded."a""b",
  "таблица" = excluded."таблица",
  "u" = excluded."u",
  "j" = excluded."j"
