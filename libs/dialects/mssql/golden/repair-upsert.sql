SET DATEFORMAT ymd;
MERGE [with space].[order] WITH (HOLDLOCK) AS [t]
USING (VALUES
  (9007199254740993, N'it''s ünïcode', -12345678901234567890.0000000001, 1, CAST(0.1 AS float), '0f8fad5b-d9cb-469f-a165-70867728950e', 0x0001feff, CAST('2024-02-29' AS date), CAST('2024-02-29 23:59:59.123456' AS datetime2(7)), CAST('2024-02-29 23:59:59.123456+00:00' AS datetimeoffset(7)), N'{"b":1,"a":[true,null]}'),
  (1, N'a]b', NULL, 0, CAST(-1.5e-7 AS float), NULL, NULL, NULL, NULL, NULL, NULL)
) AS [s] ([order], [MixedCase], [a"b], [flag], [ratio], [uid], [payload], [born], [at], [at_utc], [doc])
ON ([t].[order] = [s].[order] AND [t].[MixedCase] = [s].[MixedCase])
WHEN MATCHED THEN UPDATE SET [t].[a"b] = [s].[a"b], [t].[flag] = [s].[flag], [t].[ratio] = [s].[ratio], [t].[uid] = [s].[uid], [t].[payload] = [s].[payload], [t].[born] = [s].[born], [t].[at] = [s].[at], [t].[at_utc] = [s].[at_utc], [t].[doc] = [s].[doc]
WHEN NOT MATCHED THEN INSERT ([order], [MixedCase], [a"b], [flag], [ratio], [uid], [payload], [born], [at], [at_utc], [doc]) VALUES ([s].[order], [s].[MixedCase], [s].[a"b], [s].[flag], [s].[ratio], [s].[uid], [s].[payload], [s].[born], [s].[at], [s].[at_utc], [s].[doc]);
