ALTER TABLE "public"."таблица"
  ADD COLUMN "new one" bigint,
  ADD COLUMN "e" text CHECK ("e" IN ('x'))
