import { parseArgs } from './args';
import type { RunPhases } from './e2e';
import { overheadOf } from './e2e';
import { type CaseResult, computeRatios, formatPhases, formatReport } from './report';

const result = (tool: CaseResult['tool'], seconds: number, extra: Partial<CaseResult> = {}): CaseResult => ({
  group: 'pg-pg',
  tool,
  route: 'PG→PG',
  table: 'orders',
  rows: 1_000_000,
  seconds,
  rowsPerSecond: 1_000_000 / seconds,
  ...extra,
});

const phases: RunPhases = {
  toPlan: 0.05,
  plan: 0.25,
  toFirstChunk: 0.05,
  copy: 5,
  finish: 0.05,
  observed: 0.04,
  chunks: 4,
  chunkTotal: 18,
  chunkSetup: 1.2,
  monotonicUs: { posted: 1, firstChunk: 2, lastChunk: 3, observed: 4 },
};

describe('bench report: end-to-end ratios', () => {
  it('sets the end-to-end run against the same baseline with its own target, beside the engine copy', () => {
    const ratios = computeRatios([result('psql binary COPY pipe', 5), result('dbferry', 5), result('dbferry end-to-end', 6, { phases })]);
    const engine = ratios.find((r) => r.group === 'pg-pg' && r.tool === 'dbferry');
    const e2e = ratios.find((r) => r.group === 'pg-pg' && r.tool === 'dbferry end-to-end');
    expect(engine).toMatchObject({ target: 0.8, met: true });
    expect(engine?.ratio).toBeCloseTo(1);
    expect(e2e).toMatchObject({ target: 0.85, met: false });
    expect(e2e?.ratio).toBeCloseTo(5 / 6);
  });

  it('reports an end-to-end run that failed as not measured, with the reason', () => {
    const ratios = computeRatios([result('psql binary COPY pipe', 5), result('dbferry end-to-end', 0, { error: 'run x failed: boom' })]);
    expect(ratios.find((r) => r.tool === 'dbferry end-to-end')).toMatchObject({ ratio: null, met: null, note: 'run x failed: boom' });
  });

  it('counts the queue hops, plan and finish as overhead, not the copy or the poll', () => {
    const overhead = overheadOf(phases);
    expect(overhead.seconds).toBeCloseTo(0.4);
    expect(overhead.shareOfCopy).toBeCloseTo(0.08);
    expect(formatPhases(phases)).toContain('overhead 0.40 s = 8.0% of the copy (over 5%)');
    expect(formatPhases({ ...phases, plan: 0.05 })).not.toContain('over 5%');
  });

  it('prints both ratio columns and the worker peak against 300 MB', () => {
    const results = [result('psql binary COPY pipe', 5), result('dbferry', 5), result('dbferry end-to-end', 6, { phases })];
    const text = formatReport(results, computeRatios(results), 320 * 1024 * 1024);
    const line = text.split('\n').find((l) => l.includes('PG→PG orders / psql binary pipe')) ?? '';
    expect(line).toMatch(/1\.00× ≥ 0\.8× MET\s+0\.83× ≥ 0\.85× MISSED by 2%/);
    expect(text).toMatch(/peak RSS of the end-to-end worker \(VmHWM\)\s+320 MB < 300 MB MISSED/);
  });
});

describe('bench flags for the end-to-end runs', () => {
  it('parses --skip-e2e, --skip-engine and --redis-url', () => {
    expect(parseArgs(['--skip-e2e', '--skip-engine', '--redis-url=redis://10.0.0.1:6380'])).toMatchObject({
      skipE2e: true,
      skipEngine: true,
      redisUrl: 'redis://10.0.0.1:6380',
    });
    expect(parseArgs([])).toMatchObject({ skipE2e: false, skipEngine: false });
  });
});
