ALTER TABLE "APP"."order" ADD ("notes" CLOB, "payload" BLOB, "doc" CLOB CHECK ("doc" IS JSON), "ratio" BINARY_DOUBLE, "span" INTERVAL DAY(9) TO SECOND(6))
