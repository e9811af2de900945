CREATE TABLE "main"."t" (
  "id" BIGINT NOT NULL,
  "note" VARCHAR(7),
  "at" TIMESTAMP(6),
  PRIMARY KEY ("id")
)
