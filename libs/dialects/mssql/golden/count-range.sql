SELECT COUNT_BIG(*) AS [n] FROM [with space].[order] WHERE ([order] > @l0 OR ([order] = @l0 AND [MixedCase] > @l1)) AND ([order] < @u0 OR ([order] = @u0 AND [MixedCase] <= @u1));
