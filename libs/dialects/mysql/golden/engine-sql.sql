-- MySQL
-- identifiers
`plain`
`Mixed Case`
`q"u``o]te`
-- strings
'it''s'
'back\\slash'
'ü'
-- literals
-9223372036854775808
12.50
DATE '2024-02-29'
TIMESTAMP '2024-02-29 23:59:59.123456'
TIMESTAMP '2024-02-29 23:59:59.5'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'o''k'
'o''k'
1
0
-- filter (mysql; identifier quotes `; national strings false; # comments true; boolean values true)
LOWER(`a`)
UPPER(`a`)
CHAR_LENGTH(`a`)
COALESCE(`a`, 2)
ABS(`a`)
ROUND(`a`, 2)
TRIM(`a`)
SUBSTRING(`a`, 2, 3)
DATE(`a`)
CURRENT_DATE
CURRENT_TIMESTAMP
ROUND(`a`)
EXTRACT(YEAR FROM `t`)
EXTRACT(MONTH FROM `t`)
EXTRACT(DAY FROM `t`)
EXTRACT(HOUR FROM `t`)
EXTRACT(MINUTE FROM `t`)
EXTRACT(SECOND FROM `t`)
CAST(`x` AS SIGNED)
CAST(`x` AS SIGNED)
CAST(`x` AS SIGNED)
CAST(`x` AS DECIMAL)
CAST(`x` AS DECIMAL(12))
CAST(`x` AS DECIMAL(12, 2))
CAST(`x` AS DOUBLE)
CAST(`x` AS CHAR)
CAST(`x` AS CHAR(20))
CAST(`x` AS CHAR(5000))
CAST(`x` AS DATE)
CAST(`x` AS DATETIME)
`a` % 3
-- delete
DELETE FROM `s`.`t` WHERE `id` IN (1, 2)
-- keyless staging swap
DROP TABLE IF EXISTS `s`.`stage`
CREATE TABLE `s`.`stage` LIKE `s`.`t`
RENAME TABLE `s`.`t` TO `s`.`old`, `s`.`stage` TO `s`.`t`
DROP TABLE `s`.`old`
-- native types (verbatim)
