import { type NeutralColumn, type NeutralKind, type NeutralType, type NeutralValue, normalizeValue } from '@dbferry/dialects-core';
import { liveDialectNames, type LiveDatabase, openLiveDatabase } from './live-dialects';

/**
 * Issue 8 item 1: a dialect's `orderedKeyKinds` is a promise the engine relies on to replace a
 * chunk's key range cut on ANOTHER database. For every kind a live dialect declares, a table
 * keyed by it (as the dialect creates it) must give back its keys in the neutral order, and
 * every key range (its range predicates, lower exclusive, upper inclusive) must hold exactly the
 * keys the neutral order puts there, and count them so in a verified replace. Kinds a dialect
 * keeps as text are shown to disagree, which is why it does not declare them.
 */

/** Exact decimal text → [sign, integer digits scaled by 10^30] for comparing. */
function scaled(text: string): bigint {
  const negative = text.startsWith('-');
  const [int, frac = ''] = text.replace(/^[-+]/, '').split('.');
  const value = BigInt(`${int}${frac.padEnd(30, '0')}`);
  return negative ? -value : value;
}

const NUMBER_KINDS = new Set<NeutralKind>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'decimal']);

/** The neutral order (NEUTRAL_KEY_ORDER_KINDS) on normalised values. */
function neutralCompare(kind: NeutralKind, a: string, b: string): number {
  if (NUMBER_KINDS.has(kind)) {
    const d = scaled(a) - scaled(b);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }
  if (kind === 'uuid') return Buffer.compare(Buffer.from(a.replace(/-/g, ''), 'hex'), Buffer.from(b.replace(/-/g, ''), 'hex'));
  if (kind === 'binary' || kind === 'blob') return Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
  return a < b ? -1 : a > b ? 1 : 0; // zero-padded dates and timestamps in the neutral text form
}

interface Case {
  type: NeutralType;
  values: NeutralValue[];
}

const hex = (h: string) => Buffer.from(h, 'hex');

const CASES: Partial<Record<NeutralKind, Case>> = {
  int8: { type: { kind: 'int8' }, values: [-128, -1, 0, 1, 9, 10, 99, 100, 127] },
  int16: { type: { kind: 'int16' }, values: [-32768, -10, -9, 0, 2, 10, 11, 32767] },
  int32: { type: { kind: 'int32' }, values: [-2147483648, -100, -99, 0, 5, 10, 100, 2147483647] },
  int64: { type: { kind: 'int64' }, values: [-9223372036854775808n, -10n, -9n, 0n, 9n, 10n, 9007199254740993n, 9223372036854775807n] },
  uint8: { type: { kind: 'uint8' }, values: [0, 1, 9, 10, 99, 100, 255] },
  uint16: { type: { kind: 'uint16' }, values: [0, 9, 10, 99, 100, 65535] },
  uint32: { type: { kind: 'uint32' }, values: [0, 9, 10, 100, 2147483648, 4294967295] },
  uint64: { type: { kind: 'uint64' }, values: [0n, 1n, 9n, 10n, 99n, 100n, 9223372036854775807n, 9223372036854775808n, 18446744073709551615n] },
  decimal: {
    type: { kind: 'decimal', precision: 30, scale: 10 },
    values: ['-100.0000000000', '-5.5000000000', '-0.0000000001', '0.0000000001', '2.5000000000', '10.0000000000', '100.2500000000', '99999999999999999999.9999999999'],
  },
  uuid: {
    type: { kind: 'uuid' },
    values: ['00000000-0000-0000-0000-000000000000', '0fffffff-ffff-ffff-ffff-ffffffffffff', '7fffffff-0000-0000-0000-000000000001', '80000000-0000-0000-0000-000000000000', 'a0000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-fffffffffffe', 'ffffffff-ffff-ffff-ffff-ffffffffffff'],
  },
  binary: { type: { kind: 'binary', length: 4 }, values: [hex('00'), hex('0000'), hex('01'), hex('0100'), hex('7f'), hex('80'), hex('ff'), hex('ff00')] },
  blob: { type: { kind: 'blob' }, values: [hex('00'), hex('0000'), hex('01'), hex('7f'), hex('80'), hex('ff'), hex('ff00ff')] },
  date: { type: { kind: 'date' }, values: ['1000-01-01', '1969-12-31', '1970-01-01', '2024-02-29', '2024-10-01', '9999-12-31'] },
  timestamp: {
    type: { kind: 'timestamp', precision: 6 },
    values: ['1000-01-01 00:00:00', '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00', '2000-01-01 00:00:00.5', '2000-01-01 00:00:00.000001', '2000-01-01 00:00:01', '9999-12-31 23:59:59.999999'],
  },
  timestamptz: {
    type: { kind: 'timestamptz', precision: 6 },
    values: ['1970-01-01 00:00:00+00:00', '1999-12-31 23:59:59.999999+00:00', '2000-01-01 00:00:00+00:00', '2000-01-01 00:00:00.5+00:00', '2000-01-01 00:00:01+00:00', '2038-01-19 03:14:08+00:00'],
  },
};

const column = (type: NeutralType): NeutralColumn => ({ name: 'id', type, nativeType: '', nullable: false });
const shuffled = <T>(values: T[]): T[] => values.map((v, i) => ({ v, k: (i * 7919) % 13 })).sort((a, b) => a.k - b.k).map((x) => x.v);

async function createKeyed(db: LiveDatabase, name: string, type: NeutralType): Promise<{ schema: string; name: string }> {
  const table = { schema: db.schema, name };
  const plan = db.data.ddl.createTable(table, { columns: [column(type)], primaryKey: ['id'], indexes: [] });
  await db.data.execute(plan.statements);
  return table;
}

async function readKeys(db: LiveDatabase, table: { schema: string; name: string }, type: NeutralType, range?: { lower?: NeutralValue[]; upper?: NeutralValue[] }): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of db.data.reader.read({ table, columns: [column(type)], keyColumns: ['id'], range, batchSize: 100 })) {
    out.push(...batch.rows.map((r) => normalizeValue(type, r[0] ?? null)));
  }
  return out;
}

describe.each(liveDialectNames())('%s: declared key orders hold', (dialect) => {
  let db: LiveDatabase;
  beforeAll(async () => {
    db = await openLiveDatabase(dialect);
  }, 60_000);
  afterAll(() => db?.drop());

  it('declares its ordered key kinds as data, all of them neutral ones', () => {
    expect(db.data.orderedKeyKinds?.length).toBeGreaterThan(0);
    for (const kind of db.data.orderedKeyKinds ?? []) expect(Object.keys(CASES)).toContain(kind);
  });

  it('orders every declared kind neutrally in its reads, range predicates and verified range writes', async () => {
    for (const kind of db.data.orderedKeyKinds ?? []) {
      const { type, values } = CASES[kind] as Case;
      const table = await createKeyed(db, `ko_${kind}`, type);
      const written = await db.data.writer.write({ table, columns: [column(type)], keyColumns: ['id'], mode: 'insert' }, (async function* () {
        yield { columns: [column(type)], rows: shuffled(values).map((v) => [v]) };
      })());
      expect(written.rowsWritten).toBe(values.length);
      const expected = values.map((v) => normalizeValue(type, v)).sort((a, b) => neutralCompare(kind, a, b));
      expect({ kind, keys: await readKeys(db, table, type) }).toEqual({ kind, keys: expected });

      // Every range cut at every other key (as a source would cut it) holds exactly the neutral slice.
      const sorted = [...values].sort((a, b) => neutralCompare(kind, normalizeValue(type, a), normalizeValue(type, b)));
      const bounds = sorted.filter((_, i) => i % 2 === 1);
      for (let i = 0; i <= bounds.length; i++) {
        const range = { lower: i > 0 ? [bounds[i - 1] as NeutralValue] : undefined, upper: i < bounds.length ? [bounds[i] as NeutralValue] : undefined };
        const lo = i > 0 ? sorted.indexOf(bounds[i - 1] as NeutralValue) + 1 : 0;
        const hi = i < bounds.length ? sorted.indexOf(bounds[i] as NeutralValue) + 1 : sorted.length;
        const slice = sorted.slice(lo, hi);
        expect({ kind, i, keys: await readKeys(db, table, type, range) }).toEqual({ kind, i, keys: slice.map((v) => normalizeValue(type, v)) });
        // A verified replace of that range with its own rows: the count must agree in the write's transaction.
        const replaced = await db.data.writer.write({ table, columns: [column(type)], keyColumns: ['id'], mode: 'replace-range', range, verify: true }, (async function* () {
          yield { columns: [column(type)], rows: slice.map((v) => [v]) };
        })());
        expect({ kind, i, rangeRows: replaced.rangeRows }).toEqual({ kind, i, rangeRows: slice.length });
      }
      expect(await readKeys(db, table, type)).toEqual(expected);
    }
  }, 120_000);

  it('does not declare a kind it stores as text, where text order breaks the neutral one', async () => {
    const declared = new Set(db.data.orderedKeyKinds);
    for (const kind of ['uint64', 'decimal'] as const) {
      if (declared.has(kind)) continue;
      const { type, values } = CASES[kind] as Case;
      const table = await createKeyed(db, `kx_${kind}`, type);
      await db.data.writer.write({ table, columns: [column(type)], keyColumns: ['id'], mode: 'insert' }, (async function* () {
        yield { columns: [column(type)], rows: values.map((v) => [v]) };
      })());
      const expected = values.map((v) => normalizeValue(type, v)).sort((a, b) => neutralCompare(kind, a, b));
      expect(await readKeys(db, table, type)).not.toEqual(expected);
    }
  });
});
