ALTER TABLE [with space].[order] ADD [ratio] float NULL, [doc] nvarchar(max) NULL, [big] decimal(38,10) NULL
