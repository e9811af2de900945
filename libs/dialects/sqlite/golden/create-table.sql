CREATE TABLE "main"."order" (
  "order" BIGINT NOT NULL,
  "MixedCase" VARCHAR(20) NOT NULL,
  "with space" DECIMAL_TEXT(38,10),
  "a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b')),
  "таблица" TIMESTAMPTZ(6),
  "u" UNSIGNED64_TEXT,
  "j" JSON_TEXT,
  PRIMARY KEY ("order", "MixedCase")
);

CREATE INDEX "main"."idx ""quoted""" ON "order" ("таблица");

CREATE UNIQUE INDEX "main"."ux_with space" ON "order" ("with space", "a""b");

CREATE TABLE "main"."MixedCase" (
  "order" BIGINT NOT NULL,
  "MixedCase" VARCHAR(20) NOT NULL,
  "with space" DECIMAL_TEXT(38,10),
  "a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b')),
  "таблица" TIMESTAMPTZ(6),
  "u" UNSIGNED64_TEXT,
  "j" JSON_TEXT,
  PRIMARY KEY ("order", "MixedCase")
);

CREATE INDEX "main"."idx ""quoted""" ON "MixedCase" ("таблица");

CREATE UNIQUE INDEX "main"."ux_with space" ON "MixedCase" ("with space", "a""b");

CREATE TABLE "main"."with space" (
  "order" BIGINT NOT NULL,
  "MixedCase" VARCHAR(20) NOT NULL,
  "with space" DECIMAL_TEXT(38,10),
  "a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b')),
  "таблица" TIMESTAMPTZ(6),
  "u" UNSIGNED64_TEXT,
  "j" JSON_TEXT,
  PRIMARY KEY ("order", "MixedCase")
);

CREATE INDEX "main"."idx ""quoted""" ON "with space" ("таблица");

CREATE UNIQUE INDEX "main"."ux_with space" ON "with space" ("with space", "a""b");

CREATE TABLE "main"."a""b" (
  "order" BIGINT NOT NULL,
  "MixedCase" VARCHAR(20) NOT NULL,
  "with space" DECIMAL_TEXT(38,10),
  "a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b')),
  "таблица" TIMESTAMPTZ(6),
  "u" UNSIGNED64_TEXT,
  "j" JSON_TEXT,
  PRIMARY KEY ("order", "MixedCase")
);

CREATE INDEX "main"."idx ""quoted""" ON "a""b" ("таблица");

CREATE UNIQUE INDEX "main"."ux_with space" ON "a""b" ("with space", "a""b");

CREATE TABLE "main"."таблица" (
  "order" BIGINT NOT NULL,
  "MixedCase" VARCHAR(20) NOT NULL,
  "with space" DECIMAL_TEXT(38,10),
  "a""b" ENUM_TEXT CHECK ("a""b" IN ('small', 'it''s', 'a,b')),
  "таблица" TIMESTAMPTZ(6),
  "u" UNSIGNED64_TEXT,
  "j" JSON_TEXT,
  PRIMARY KEY ("order", "MixedCase")
);

CREATE INDEX "main"."idx ""quoted""" ON "таблица" ("таблица");

CREATE UNIQUE INDEX "main"."ux_with space" ON "таблица" ("with space", "a""b");
