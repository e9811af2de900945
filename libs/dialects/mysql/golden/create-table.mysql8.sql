CREATE TABLE `Shop db`.`таблица ``order``` (
  `order` bigint NOT NULL AUTO_INCREMENT,
  `MixedCase` varchar(40) NOT NULL,
  `with space` varchar(768) NULL,
  `a``b` decimal(38,10) NULL,
  `таблица` datetime(6) NULL,
  `flag` tinyint(1) NOT NULL COMMENT 'it\'s a flag',
  `kind` enum('small','it''s','a\\b') NULL,
  `payload` json NULL,
  `raw` binary(16) NULL,
  `tags` set('red','green') NULL,
  `bits` bit(10) NULL,
  `at` datetime(6) NULL,
  PRIMARY KEY (`order`, `MixedCase`),
  KEY `by space` (`with space`),
  UNIQUE KEY `uq a``b` (`a``b`, `таблица`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
