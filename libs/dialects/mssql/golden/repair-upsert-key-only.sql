SET DATEFORMAT ymd;
MERGE [with space].[order] WITH (HOLDLOCK) AS [t]
USING (VALUES
  (9007199254740993, N'it''s ünïcode'),
  (1, N'a]b')
) AS [s] ([order], [MixedCase])
ON ([t].[order] = [s].[order] AND [t].[MixedCase] = [s].[MixedCase])
WHEN NOT MATCHED THEN INSERT ([order], [MixedCase]) VALUES ([s].[order], [s].[MixedCase]);
