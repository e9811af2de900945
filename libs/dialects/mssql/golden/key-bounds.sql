SELECT TOP (1) [order] AS [order], [MixedCase] AS [MixedCase] FROM [with space].[order] ORDER BY [order] DESC, [MixedCase] DESC
