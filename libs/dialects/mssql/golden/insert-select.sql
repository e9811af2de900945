SET DATEFORMAT ymd;
INSERT INTO [with space].[order] ([order], [MixedCase], [with space], [a"b], [a]]b], [таблица], [flag], [small], [tiny], [code], [uid], [payload], [born], [at], [price], [legacy], [status])
SELECT [s].[c0], [s].[c1], [s].[c2], CAST([s].[c3] AS decimal(38,10)), CAST([s].[c4] AS datetime2(7)), CAST([s].[c5] AS datetimeoffset(7)), [s].[c6], [s].[c7], [s].[c8], [s].[c9], [s].[c10], [s].[c11], CAST([s].[c12] AS date), CAST([s].[c13] AS time(7)), CAST([s].[c14] AS decimal(19,4)), CAST([s].[c15] AS datetime2(7)), [s].[c16] FROM [#dbferry_stage] AS [s];
