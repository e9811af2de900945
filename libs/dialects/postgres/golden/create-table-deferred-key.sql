CREATE TABLE "Sales Data"."order" (
  "id" bigint NOT NULL,
  "MixedCase" integer NOT NULL,
  "with space" varchar(40),
  "a""b" text,
  "таблица" numeric(38,10),
  "flag" boolean,
  "big_unsigned" numeric(20,0),
  "ratio" double precision,
  "code" char(3),
  "guid" uuid,
  "doc" jsonb,
  "raw" bytea,
  "born" date,
  "at" timestamp(6),
  "at_utc" timestamptz(6),
  "span" interval,
  "mood" text CHECK ("mood" IN ('sad', 'it''s')),
  "tags" integer[],
  "perms" text[],
  "custom" citext
);

-- after the load
ALTER TABLE "Sales Data"."order" ADD PRIMARY KEY ("MixedCase", "id");

CREATE INDEX "order_with space_a""b_idx" ON "Sales Data"."order" ("with space", "a""b");

CREATE UNIQUE INDEX "order_guid_key" ON "Sales Data"."order" ("guid")
