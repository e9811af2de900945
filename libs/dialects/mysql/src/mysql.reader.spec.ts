import { integerRanges } from './mysql.reader';

describe('integerRanges', () => {
  it('cuts [min, max] into equal intervals, bounds in the key’s form', () => {
    expect(integerRanges(0, 100, 4)).toEqual([{ upper: [25] }, { lower: [25], upper: [50] }, { lower: [50], upper: [75] }, { lower: [75] }]);
    expect(integerRanges(-10n, 9_223_372_036_854_775_807n, 2)).toEqual([{ upper: [4_611_686_018_427_387_898n] }, { lower: [4_611_686_018_427_387_898n] }]);
  });

  it('gives fewer ranges when the span holds fewer keys than parts, never an empty one', () => {
    expect(integerRanges(5, 7, 8)).toEqual([{ upper: [5] }, { lower: [5], upper: [6] }, { lower: [6] }]);
    expect(integerRanges(5, 5, 4)).toEqual([{}]);
  });
});
