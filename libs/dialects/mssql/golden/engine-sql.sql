-- SQL Server
-- identifiers
[plain]
[Mixed Case]
[q"u`o]]te]
-- strings
'it''s'
'back\slash'
N'ü'
-- literals
-9223372036854775808
12.50
CAST('2024-02-29' AS date)
CAST('2024-02-29 23:59:59.123456' AS datetime2(7))
CAST('2024-02-29 23:59:59.5+00:00' AS datetimeoffset(7))
'0f8fad5b-d9cb-469f-a165-70867728950e'
'0f8fad5b-d9cb-469f-a165-70867728950e'
'o''k'
N'o''k'
1
0
-- filter (transactsql; identifier quotes " [; national strings true; # comments false; boolean values false)
LOWER([a])
UPPER([a])
LEN([a])
COALESCE([a], 2)
ABS([a])
ROUND([a], 2)
LTRIM(RTRIM([a]))
SUBSTRING([a], 2, 3)
CAST([a] AS DATE)
CAST(GETDATE() AS DATE)
CURRENT_TIMESTAMP
ROUND([a], 0)
DATEPART(YEAR, [t])
DATEPART(MONTH, [t])
DATEPART(DAY, [t])
DATEPART(HOUR, [t])
DATEPART(MINUTE, [t])
DATEPART(SECOND, [t])
CAST([x] AS SMALLINT)
CAST([x] AS INT)
CAST([x] AS BIGINT)
CAST([x] AS DECIMAL)
CAST([x] AS DECIMAL(12))
CAST([x] AS DECIMAL(12, 2))
CAST([x] AS FLOAT)
CAST([x] AS NVARCHAR(MAX))
CAST([x] AS NVARCHAR(20))
CAST([x] AS NVARCHAR(MAX))
CAST([x] AS DATE)
CAST([x] AS DATETIME2)
[a] % 3
-- delete
DELETE FROM [s].[t] WHERE [id] IN (1, 2)
-- keyless staging swap
DROP TABLE IF EXISTS [s].[stage]
(stage created from the columns)
DELETE FROM [s].[t];
INSERT INTO [s].[t] ([a], [b]) SELECT [a], [b] FROM [s].[stage]
DROP TABLE [s].[stage]
