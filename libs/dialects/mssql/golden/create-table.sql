CREATE TABLE [with space].[order] (
  [order] bigint NOT NULL,
  [MixedCase] nvarchar(40) NOT NULL,
  [with space] nvarchar(max) NULL,
  [a"b] decimal(38,10) NULL,
  [a]]b] datetime2(7) NULL,
  [таблица] datetimeoffset(6) NULL,
  [flag] bit NULL,
  [small] smallint NULL,
  [tiny] tinyint NULL,
  [code] nchar(3) NULL,
  [uid] uniqueidentifier NULL,
  [payload] varbinary(max) NULL,
  [born] date NULL,
  [at] time(3) NULL,
  [price] decimal(19,4) NULL,
  [legacy] datetime NULL,
  [status] nvarchar(5) NULL CHECK ([status] IN (N'small', N'it''s', N'a,b')),
  [ratio] float NULL,
  [doc] nvarchar(max) NULL,
  [big] decimal(38,10) NULL,
  [id] int IDENTITY(1,1) NOT NULL,
  CONSTRAINT [PK_order] PRIMARY KEY ([order], [MixedCase])
);

CREATE INDEX [ix MixedCase] ON [with space].[order] ([MixedCase], [a"b]);

CREATE UNIQUE INDEX [ux_таблица] ON [with space].[order] ([таблица])
