SET DATEFORMAT ymd;
SET IDENTITY_INSERT [with space].[order] ON;
MERGE [with space].[order] WITH (HOLDLOCK) AS [t]
USING (VALUES (@r0c0)) AS [s] ([c0])
ON ([t].[id] = [s].[c0])
WHEN NOT MATCHED THEN INSERT ([id]) VALUES ([s].[c0]);
SET IDENTITY_INSERT [with space].[order] OFF;
