ALTER TABLE "main"."with space" ADD COLUMN "new""col" BOOLEAN;
ALTER TABLE "main"."with space" ADD COLUMN "e" ENUM_TEXT CHECK ("e" IN ('x'));
