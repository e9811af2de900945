DELETE FROM "main"."таблица" WHERE ("order", "MixedCase") > (CAST(? AS INTEGER), ?) AND ("order", "MixedCase") <= (CAST(? AS INTEGER), ?)
