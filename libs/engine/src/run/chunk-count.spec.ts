import { chunkCount, MIN_ROWS_PER_SLOT_CHUNK } from './chunk-count';

describe('chunkCount', () => {
  it('gives every slot a chunk when the table is large enough (1M rows at chunkRows 250k on 4 slots: 4; 250k rows: 4, not 1)', () => {
    expect(chunkCount(1_000_000, 250_000, 4)).toBe(4);
    expect(chunkCount(250_000, 250_000, 4)).toBe(4);
    expect(chunkCount(200_000, 1_000_000, 8)).toBe(8);
  });

  it('keeps ⌈rows ÷ chunkRows⌉ when that is more than the slots (1M rows at the default 200k: 5 on 4 slots)', () => {
    expect(chunkCount(1_000_000, 200_000, 4)).toBe(5);
    expect(chunkCount(1_000_001, 100_000, 2)).toBe(11);
  });

  it('splits a small table only as far as each chunk keeps MIN_ROWS_PER_SLOT_CHUNK rows', () => {
    expect(chunkCount(MIN_ROWS_PER_SLOT_CHUNK * 2, 200_000, 4)).toBe(2);
    expect(chunkCount(MIN_ROWS_PER_SLOT_CHUNK - 1, 200_000, 4)).toBe(1);
    expect(chunkCount(20, 200_000, 4)).toBe(1);
    expect(chunkCount(0, 200_000, 4)).toBe(1);
  });

  it('is one chunk per chunkRows on a worker of one slot', () => {
    expect(chunkCount(250_000, 250_000, 1)).toBe(1);
    expect(chunkCount(500_000, 250_000, 1)).toBe(2);
  });
});
