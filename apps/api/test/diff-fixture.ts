import request from 'supertest';
import { Client } from 'pg';
import { waitFor } from '@dbferry/testing';
import type { ApiHarness } from './harness';
import { runJobToEnd } from './harness';

/**
 * Reusable pieces of the diff e2e tests: a PostgreSQL table with every column kind, copied to
 * another connection by a real sync run, then changed on the reference in a known way; and the
 * calls that start a diff and wait for it. Other diff e2e specs (more dialect pairs, composite
 * and text keys, three databases) build on these.
 */

export const DIFF_ENDED = ['succeeded', 'failed', 'cancelled'];

export interface DiffBody {
  id: string;
  status: string;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress: { segmentsDone: number; segmentsTotal: number; rowsCompared: number; differences: number };
  tables: {
    table: string;
    status: string;
    rowsCompared: number;
    missing: Record<string, number>;
    extra: Record<string, number>;
    different: Record<string, number>;
    columns: Record<string, string[]>;
    notes: { connectionId: string; column: string; note: string }[];
    samples: { key: unknown[]; kind: string; connectionId: string; columns: string[]; values: Record<string, Record<string, unknown> | null> }[];
    segmentsDone: number;
    segmentsTotal: number;
    error: string | null;
  }[];
}

export interface DiffRow {
  key: unknown[];
  kind: 'missing' | 'extra' | 'different';
  connectionId: string;
  columns?: string[];
  values: Record<string, Record<string, unknown> | null>;
}

/** Runs SQL on a PostgreSQL database. */
export async function pgExec(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `public.<name>` on PostgreSQL with `rows` rows of every column kind (keys 1..rows). */
export function kindsTableSql(name: string, rows: number): string[] {
  return [
    `CREATE TABLE ${name} (
      id bigint PRIMARY KEY, i32 integer, price numeric(12,2), qty numeric, ratio double precision,
      flag boolean, label varchar(40), code char(6), body text, uid uuid, doc json, raw bytea,
      day date, at timestamp(6), at_tz timestamptz(6))`,
    `INSERT INTO ${name} SELECT g, g * 7, (g * 1.25)::numeric(12,2), (g / 4.0)::numeric, g / 3.0,
      g % 2 = 0, 'label ' || g, 'c' || (g % 1000), CASE WHEN g % 10 = 0 THEN '' WHEN g % 10 = 1 THEN NULL ELSE 'Zoë ' || repeat('ß', g % 5) END,
      md5(g::text)::uuid, json_build_object('n', g, 'tags', json_build_array('a', g % 3)),
      decode(lpad(to_hex(g), 8, '0'), 'hex'), date '2024-01-01' + g,
      timestamp '2024-01-01 00:00:00' + g * interval '1 hour 0.5 second', timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 0.000001 second'
      FROM generate_series(1, ${rows}) g`,
  ];
}

/** The one column each of the 100 updated rows (ids 1..100) changes, by id % 10, and its SQL. */
const UPDATES: [string, string][] = [
  ['price', 'price = price + 0.01'],
  ['at', "at = at + interval '1 microsecond'"],
  ['at_tz', "at_tz = at_tz + interval '1 microsecond'"],
  ['qty', 'qty = qty + 0.000001'],
  ['doc', `doc = json_build_object('n', id, 'tags', json_build_array('a', 99))`],
  ['raw', "raw = raw || '\\x00'::bytea"],
  ['body', "body = CASE WHEN body IS NULL THEN '' ELSE body || '!' END"],
  ['flag', 'flag = NOT flag'],
  ['label', "label = label || ' '"],
  ['code', "code = 'x' || id"],
];

export interface Changes {
  /** Keys the reference gained (the others lack them): 50. */
  missing: string[];
  /** Keys the reference lost (only the others have them): 50. */
  extra: string[];
  /** Each updated key's one differing column: 100. */
  different: Record<string, string[]>;
}

/**
 * Changes the reference copy of a kinds table: 100 rows updated in one column each (the last
 * decimal digit, one microsecond, JSON, a byte, '' vs NULL, …), 50 deleted (1001..1050), 50
 * inserted (rows+1..rows+50), and 60 rows (201..260) rewritten with the same values in another
 * representation (numeric trailing zeros, JSON key order and spaces): no difference.
 */
export async function changeReference(url: string, name: string, rows: number): Promise<Changes> {
  const different: Record<string, string[]> = {};
  const statements: string[] = [];
  for (let id = 1; id <= 100; id++) {
    const [column, set] = UPDATES[id % 10];
    different[String(id)] = [column];
    statements.push(`UPDATE ${name} SET ${set} WHERE id = ${id}`);
  }
  statements.push(
    `UPDATE ${name} SET qty = (qty::text || '000')::numeric WHERE id BETWEEN 201 AND 260`,
    `UPDATE ${name} SET doc = ('{ "tags" : ' || (doc->'tags')::text || ', "n": ' || id || ' }')::json WHERE id BETWEEN 201 AND 260`,
    `DELETE FROM ${name} WHERE id BETWEEN 1001 AND 1050`,
    `INSERT INTO ${name} (id, price, label) SELECT g, 0.50, 'new' FROM generate_series(${rows + 1}, ${rows + 50}) g`,
  );
  await pgExec(url, ...statements);
  const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  return { missing: ids(rows + 1, rows + 50), extra: ids(1001, 1050), different };
}

/** Copies `public.<name>` from one connection to another with a sync job run to its end (the worker must be up). */
export async function copyWithJob(api: ApiHarness, token: string, sourceId: string, targetId: string, name: string): Promise<void> {
  const body = { name: `copy ${name} ${Date.now()}`, sourceId, targetId, tables: [{ source: `public.${name}` }], mode: 'full', writeMode: 'upsert' };
  const jobId = (await request(api.http).post('/api/jobs').set('Authorization', `Bearer ${token}`).send(body).expect(201)).body.id as string;
  const run = await runJobToEnd(api, token, jobId);
  if (run.status !== 'succeeded') throw new Error(`copy of ${name} ${run.status}: ${JSON.stringify(run.tables.map((t) => t.error))}`);
}

export async function startDiff(api: ApiHarness, token: string, body: object): Promise<string> {
  const res = await request(api.http).post('/api/diffs').set('Authorization', `Bearer ${token}`).send(body);
  if (res.status !== 202) throw new Error(`POST /api/diffs ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.diffId as string;
}

export async function getDiff(api: ApiHarness, token: string, id: string): Promise<DiffBody> {
  return (await request(api.http).get(`/api/diffs/${id}`).set('Authorization', `Bearer ${token}`).expect(200)).body as DiffBody;
}

export async function waitForDiff(api: ApiHarness, token: string, id: string, timeoutMs = 120_000, context: () => string = () => ''): Promise<DiffBody> {
  return waitFor(async () => {
    const diff = await getDiff(api, token, id);
    return DIFF_ENDED.includes(diff.status) && diff;
  }, timeoutMs, `diff ${id} to end ${context().slice(-800)}`);
}

/** Every row of one (table, connection, kind) through the rows endpoint, `limit` at a time. */
export async function allRows(api: ApiHarness, token: string, id: string, query: { table?: string; connectionId?: string; kind?: string }, limit = 40): Promise<DiffRow[]> {
  const rows: DiffRow[] = [];
  for (let offset = 0; ; offset += limit) {
    const params = new URLSearchParams({ ...query, limit: String(limit), offset: String(offset) } as Record<string, string>);
    const page = (await request(api.http).get(`/api/diffs/${id}/rows?${params}`).set('Authorization', `Bearer ${token}`).expect(200)).body as { items: DiffRow[]; total: number };
    rows.push(...page.items);
    if (page.items.length < limit) return rows;
  }
}

/** A key of the codec as text ({"$int": "7"} → "7"). */
export const keyText = (key: unknown[]) => key.map((v) => (v !== null && typeof v === 'object' && '$int' in v ? String((v as { $int: string }).$int) : String(v))).join('|');
