import { renderAlert } from '@dbferry/notify';
import { describeDriftAlert, describeRunAlert, runAlertKind, type RunAlertFacts } from './run-alerts';

const run: RunAlertFacts['run'] = {
  id: '6f1c2a8e-0000-4000-8000-000000000001',
  status: 'failed',
  trigger: 'schedule',
  error: '2 table(s) failed',
  rowsRead: '9007199254740993',
  rowsWritten: '1200',
  startedAt: new Date('2025-11-23T08:00:00.000Z'),
  finishedAt: new Date('2025-11-23T08:30:00.000Z'),
};
const table = (id: string, source: string, status: 'failed' | 'succeeded', error: string | null = null, chunksTotal = 4, rejects = '0') =>
  ({ id, sourceTable: source, targetTable: `dst.${source.split('.')[1]}`, status, error, chunksTotal, rejects }) as RunAlertFacts['tables'][number];

describe('runAlertKind', () => {
  it.each<[Parameters<typeof runAlertKind>[0], Parameters<typeof runAlertKind>[1], ReturnType<typeof runAlertKind>]>([
    ['failed', null, 'run-failed'],
    ['failed', 'failed', 'run-failed'],
    ['failed', 'succeeded', 'run-failed'],
    ['succeeded', 'failed', 'run-recovered'],
    ['succeeded', 'succeeded', null],
    ['succeeded', null, null],
    ['cancelled', 'failed', null],
    ['running', 'failed', null],
  ])('a %s run after a %s one: %s', (status, previous, expected) => {
    expect(runAlertKind(status, previous)).toBe(expected);
  });
});

describe('describeRunAlert', () => {
  it('names the run, its error, the failing tables and a few failed chunks each', () => {
    const facts: RunAlertFacts = {
      kind: 'run-failed',
      jobName: 'orders nightly',
      run,
      tables: [
        table('t1', 'shop.orders', 'failed', 'chunk 1 failed', 6),
        table('t2', 'shop.items', 'succeeded'),
        table('t3', 'shop.notes', 'failed', '1 chunk(s) never finished'),
      ],
      failedChunks: [4, 1, 2, 3].map((ordinal) => ({ runTableId: 't1', ordinal, error: `CONSTRAINT qty_small failed (chunk ${ordinal})` })),
    };
    const alert = describeRunAlert(facts, new Date('2025-11-23T08:31:00.000Z'));
    expect(alert).toMatchObject({ kind: 'run-failed', jobName: 'orders nightly', runId: run.id });
    expect(alert.summary.split('\n')).toEqual([
      '2 table(s) failed',
      '- shop.orders → dst.orders: 4 of 6 chunk(s) failed',
      '    chunk 1: CONSTRAINT qty_small failed (chunk 1)',
      '    chunk 2: CONSTRAINT qty_small failed (chunk 2)',
      '    chunk 3: CONSTRAINT qty_small failed (chunk 3)',
      '    … and 1 more chunk(s)',
      '- shop.notes → dst.notes: 1 chunk(s) never finished',
    ]);
    expect(alert.details).toEqual({
      Status: 'failed',
      Trigger: 'schedule',
      'Rows read': '9007199254740993',
      'Rows written': '1200',
      Started: '2025-11-23T08:00:00.000Z',
      Finished: '2025-11-23T08:30:00.000Z',
      'Tables failed': '2 of 3',
    });
  });

  it('names the first rows a table refused, and how many more there are', () => {
    const alert = describeRunAlert({
      kind: 'run-failed',
      jobName: 'j',
      run: { ...run, error: '1 table(s) failed; 7 row(s) rejected by the target, more than maxRejects 0' },
      tables: [table('t1', 'shop.items', 'failed', '7 row(s) rejected by the target', 2, '7')],
      failedChunks: [],
      rejects: [
        { runTableId: 't1', key: [299], columnName: null, error: 'CONSTRAINT `qty_small` failed' },
        { runTableId: 't1', key: [300], columnName: 'note', error: 'Data too long for column' },
        { runTableId: 't1', key: [{ $bigint: '9007199254740993' }], columnName: null, error: 'CONSTRAINT `qty_small` failed' },
      ],
    });
    expect(alert.summary.split('\n')).toEqual([
      '1 table(s) failed; 7 row(s) rejected by the target, more than maxRejects 0',
      '- shop.items → dst.items: 7 row(s) rejected by the target',
      '    rejected row [299]: CONSTRAINT `qty_small` failed',
      '    rejected row [300] (note): Data too long for column',
      '    rejected row [{"$bigint":"9007199254740993"}]: CONSTRAINT `qty_small` failed',
      '    … and 4 more rejected row(s)',
    ]);
  });

  it('caps the tables listed and shortens long errors', () => {
    const tables = Array.from({ length: 8 }, (_, i) => table(`t${i}`, `s.t${i}`, 'failed', 'x'.repeat(1000)));
    const alert = describeRunAlert({ kind: 'run-failed', jobName: 'j', run, tables, failedChunks: [] });
    const lines = alert.summary.split('\n');
    expect(lines.filter((l) => l.startsWith('- '))).toHaveLength(5);
    expect(lines[lines.length - 1]).toBe('… and 3 more failed table(s)');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(350);
  });

  it('describes a planning failure, which has no tables', () => {
    const alert = describeRunAlert({ kind: 'run-failed', jobName: 'j', run: { ...run, error: 'table public.items not found on the source' }, tables: [], failedChunks: [] });
    expect(alert.summary).toBe('table public.items not found on the source');
    expect(alert.details).not.toHaveProperty('Tables failed');
  });

  it('describes a recovery with the failed run it follows', () => {
    const alert = describeRunAlert({ kind: 'run-recovered', jobName: 'j', run: { ...run, status: 'succeeded', error: null }, tables: [table('t1', 's.a', 'succeeded')], failedChunks: [], previousRunId: 'run-before' });
    expect(alert).toMatchObject({ kind: 'run-recovered', summary: 'The run succeeded; the previous run (run-before) had failed.' });
    expect(alert.details).toMatchObject({ Status: 'succeeded', Tables: '1' });
  });

  it('renders without the credentials of a connection URL or a given password that an error echoed', () => {
    const alert = describeRunAlert({
      kind: 'run-failed',
      jobName: 'j',
      run: { ...run, error: 'connect to mysql://root:hunter2-canary@db:3306/x refused' },
      tables: [table('t1', 's.a', 'failed')],
      failedChunks: [{ runTableId: 't1', ordinal: 0, error: 'auth failed with password hunter3-canary' }],
    });
    const { text, html } = renderAlert(alert, ['hunter3-canary']);
    for (const body of [text, html]) {
      expect(body).not.toMatch(/hunter[23]-canary/);
      expect(body).toContain('mysql://db:3306/x');
    }
  });
});

describe('describeDriftAlert', () => {
  it('gives the drift per table with a few keys, and a table that could not be verified', () => {
    const alert = describeDriftAlert(
      {
        jobName: 'orders nightly',
        run: { id: run.id, status: 'succeeded', drift: '6', verifyError: 'shop.logs: no usable key', rowsWritten: '1200', finishedAt: run.finishedAt },
        tables: [
          {
            sourceTable: 'shop.orders',
            targetTable: 'dst.orders',
            verifyError: null,
            drift: { missing: 2, extra: 1, different: 3, total: 6, samples: [{ kind: 'missing', key: [{ $int: '9007199254740993' }] }, { kind: 'different', key: [7], columns: ['amount'] }] },
          },
          { sourceTable: 'shop.items', targetTable: 'dst.items', verifyError: null, drift: { missing: 0, extra: 0, different: 0, total: 0, samples: [] } },
          { sourceTable: 'shop.logs', targetTable: 'dst.logs', verifyError: 'no usable key', drift: null },
        ],
      },
      new Date('2025-11-23T08:31:00.000Z'),
    );
    expect(alert.kind).toBe('run-drift');
    const { subject, text } = renderAlert(alert);
    expect(subject).toBe('[dbferry] drift found after a run: orders nightly');
    expect(text).toContain('found 6 row(s) on the target that differ from the source');
    expect(text).toContain('- shop.orders → dst.orders: 2 missing, 1 extra, 3 different');
    expect(text).toContain('missing [{"$int":"9007199254740993"}]');
    expect(text).toContain('different [7] (amount)');
    expect(text).toContain('- shop.logs → dst.logs: not verified: no usable key');
    expect(text).not.toContain('shop.items');
    expect(text).toContain('Drift: 6');
  });
});
