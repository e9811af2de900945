ALTER TABLE `Shop db`.`таблица ``order``` ADD COLUMN `new col` char(36) NULL, ADD COLUMN `ü` smallint NOT NULL;
