import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataPlane, type DialectName, type DialectSession, type NeutralValue, parseConnectionUrl, type TableRef } from '@dbferry/dialects-core';
import { dialectFor } from '@dbferry/dialects';
import { createMysqlDatabase, createPostgresDatabase, type EphemeralDatabase } from '@dbferry/testing';
import { diffTable, planDiff } from '../diff/diff-segment';
import { decodeValue, type EncodedValue } from '../plan/key-codec';
import { planTables } from '../plan/plan-tables';
import { copyChunk } from '../run/copy-chunk';
import { snapshotTable } from '../run/table-snapshot';
import { pendingRepairActions, planRepairKeys, type RepairAction, type RepairRule, repairSegments, type RepairSnapshot, repairSnapshotFrom, repairSql, verifyRepairKeys, writeRepairActions } from './repair';

/**
 * Issue 12 (repair engine): a table of many column kinds on PostgreSQL is copied to a second
 * PostgreSQL schema, MariaDB and SQLite with the engine's copy, the copies are damaged (rows
 * updated, deleted, added), and each repair rule puts them back: the diff finds nothing after,
 * the same plan applied twice changes nothing the second time, and the rendered SQL run by hand
 * repairs as well.
 */
type Side = { dialect: DialectName; session: DialectSession; data: DataPlane; schema: string };

async function open(dialect: DialectName, database: string, schema: string): Promise<Side> {
  const spec = dialect === 'sqlite' ? { database } : parseConnectionUrl(dialect, database);
  const session = await dialectFor(dialect).connect({ dialect, ...spec }, { timeoutMs: 10_000 });
  return { dialect, session, data: session.data!, schema };
}

const ROWS = 300;
const JOB = { mode: 'full', writeMode: 'insert', deleteMissing: false, batchSize: 500, nul: 'strip', maxRejects: 0 } as const;

async function copyTable(ref: Side, other: Side, name: string): Promise<TableRef> {
  const [plan] = await planTables({
    source: { dialect: ref.dialect, session: ref.session },
    target: { dialect: other.dialect, session: other.session, defaultSchema: other.schema },
    tables: [{ source: `public.${name}` }],
    options: { createTables: true, evolveSchema: false },
  });
  if (plan.ddl.length) await other.data.execute(plan.ddl);
  const snapshot = await snapshotTable({ plan, source: ref, target: other, job: JOB, stagingTag: 'repair' });
  await copyChunk(snapshot, {}, { source: ref.data, target: other.data });
  return plan.target;
}

const ids = (keys: EncodedValue[][]) => keys.map((k) => String(decodeValue(k[0]))).sort((a, b) => Number(a) - Number(b));

describe('repair engine: plan, apply and SQL across PostgreSQL, MariaDB and SQLite', () => {
  let pgDb: EphemeralDatabase;
  let mariaDb: EphemeralDatabase;
  let ref: Side;
  let mirror: Side;
  let maria: Side;
  let lite: Side;
  const tables: Record<string, TableRef> = {};

  const planes = (): Record<string, DataPlane> => ({ ref: ref.data, mirror: mirror.data, maria: maria.data, lite: lite.data });
  const diffSnapshot = (name: string) =>
    planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name } },
      others: [
        { connectionId: 'mirror', dialect: 'postgres', data: mirror.data, table: tables[`mirror.${name}`] },
        { connectionId: 'maria', dialect: 'mysql', data: maria.data, table: tables[`maria.${name}`] },
        { connectionId: 'lite', dialect: 'sqlite', data: lite.data, table: tables[`lite.${name}`] },
      ],
      bisectionFactor: 4,
      bisectionThreshold: 64,
    });
  /** Every differing key the diff finds, on any connection, in the reference's terms. */
  const differingKeys = async (name: string): Promise<{ keys: NeutralValue[][]; counts: Record<string, number> }> => {
    const result = await diffTable(await diffSnapshot(name), { reference: ref.data, others: { mirror: mirror.data, maria: maria.data, lite: lite.data } });
    const keys = new Map<string, NeutralValue[]>();
    const counts: Record<string, number> = {};
    for (const [id, found] of Object.entries(result.byConnection)) {
      const all = [...found.missing, ...found.extra, ...found.different.map((d) => d.key)];
      counts[id] = all.length;
      for (const key of all) keys.set(JSON.stringify(key), key.map(decodeValue));
    }
    return { keys: [...keys.values()], counts };
  };
  /** Applies a plan the way the worker does: segment by segment, what is still needed, counted. */
  const apply = async (snapshot: RepairSnapshot, actions: Record<string, RepairAction[]>) => {
    const done: Record<string, { upserted: number; deleted: number }> = {};
    for (const [targetId, list] of Object.entries(actions)) {
      done[targetId] = { upserted: 0, deleted: 0 };
      for (const segment of repairSegments(list, 40)) {
        const pending = await pendingRepairActions(snapshot, targetId, segment, planes()[targetId]);
        const result = await writeRepairActions(snapshot, targetId, pending, planes()[targetId]);
        done[targetId].upserted += result.upserted;
        done[targetId].deleted += result.deleted;
      }
    }
    return done;
  };

  beforeAll(async () => {
    pgDb = await createPostgresDatabase('dbferry_repair');
    mariaDb = await createMysqlDatabase('dbferry_repair');
    ref = await open('postgres', pgDb.url, 'public');
    mirror = await open('postgres', pgDb.url, 'mirror');
    maria = await open('mysql', mariaDb.url, mariaDb.name);
    const file = join(mkdtempSync(join(tmpdir(), 'dbferry-repair-')), 'repair.db');
    writeFileSync(file, '', { mode: 0o600 });
    lite = await open('sqlite', file, 'main');
    await ref.data.execute([
      'CREATE SCHEMA mirror',
      `CREATE TABLE kinds (
        id bigint PRIMARY KEY, price numeric(12,2), qty numeric, ratio double precision, flag boolean, label varchar(40),
        body text, uid uuid, doc jsonb, raw bytea, day date, at timestamp(6), at_tz timestamptz(6), version integer)`,
      `INSERT INTO kinds SELECT g, (g * 1.25)::numeric(12,2), (g / 4.0)::numeric, g / 3.0, g % 2 = 0, 'label ' || g,
        CASE WHEN g % 10 = 0 THEN '' WHEN g % 10 = 1 THEN NULL ELSE 'Zoë it''s \\ ' || repeat('ß', g % 5) END,
        md5(g::text)::uuid, jsonb_build_object('n', g, 'tags', jsonb_build_array('a', g % 3)), decode(lpad(to_hex(g), 8, '0'), 'hex'),
        date '2024-01-01' + g, timestamp '2024-01-01 00:00:00' + g * interval '1 hour 0.000001 second',
        timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute 0.000001 second', 1
        FROM generate_series(1, ${ROWS}) g`,
    ]);
    for (const [id, side] of [['mirror', mirror], ['maria', maria], ['lite', lite]] as const) tables[`${id}.kinds`] = await copyTable(ref, side, 'kinds');
  }, 120_000);

  afterAll(async () => {
    for (const side of [ref, mirror, maria, lite]) await side?.session.close();
    await pgDb?.drop();
    await mariaDb?.drop();
  });

  const damage = async () => {
    // mirror: 10 rows changed in the last digit or microsecond; maria: 15 rows gone; lite: 5 rows added and 5 changed.
    await mirror.data.execute([
      'UPDATE mirror.kinds SET price = price + 0.01 WHERE id BETWEEN 1 AND 5',
      "UPDATE mirror.kinds SET at = at + interval '1 microsecond' WHERE id BETWEEN 6 AND 10",
    ]);
    await maria.data.execute([`DELETE FROM \`${mariaDb.name}\`.kinds WHERE id BETWEEN 101 AND 115`]);
    await lite.data.execute([
      "INSERT INTO main.kinds (id, label, version) VALUES (1001, 'extra 1', 1), (1002, 'extra 2', 1), (1003, NULL, 1), (1004, 'x', 1), (1005, 'y', 1)",
      "UPDATE main.kinds SET body = 'changed' WHERE id BETWEEN 201 AND 205",
    ]);
  };

  it('repairs every copy from the reference: upserts, deletes with deleteExtra, a clean re-verify, and nothing the second time', async () => {
    await damage();
    const { keys, counts } = await differingKeys('kinds');
    expect(counts).toEqual({ mirror: 10, maria: 15, lite: 10 });
    const snapshot = repairSnapshotFrom(await diffSnapshot('kinds'), { kind: 'source', connectionId: 'ref' }, ['mirror', 'maria', 'lite'], true);
    const plan = await planRepairKeys(snapshot, keys, planes());
    const count = (id: string, kind: string) => plan.actions[id].filter((a) => a.kind === kind).length;
    expect([count('mirror', 'upsert'), count('mirror', 'delete')]).toEqual([10, 0]);
    expect([count('maria', 'upsert'), count('maria', 'delete')]).toEqual([15, 0]);
    expect([count('lite', 'upsert'), count('lite', 'delete')]).toEqual([5, 5]);
    expect(ids(plan.actions.lite.filter((a) => a.kind === 'delete').map((a) => a.key))).toEqual(['1001', '1002', '1003', '1004', '1005']);

    const applied = await apply(snapshot, plan.actions);
    expect(applied).toEqual({ mirror: { upserted: 10, deleted: 0 }, maria: { upserted: 15, deleted: 0 }, lite: { upserted: 5, deleted: 5 } });
    expect((await differingKeys('kinds')).keys).toEqual([]);
    const verify = await verifyRepairKeys(snapshot, keys, planes());
    expect(verify.keys).toBe(keys.length);
    for (const id of ['mirror', 'maria', 'lite']) expect(verify.byTarget[id]).toEqual({ missing: [], extra: [], different: [] });
    // The same plan again: every action is already in place, nothing is written.
    expect(await apply(snapshot, plan.actions)).toEqual({ mirror: { upserted: 0, deleted: 0 }, maria: { upserted: 0, deleted: 0 }, lite: { upserted: 0, deleted: 0 } });
    expect((await planRepairKeys(snapshot, keys, planes())).actions).toEqual({ mirror: [], maria: [], lite: [] });
  }, 120_000);

  it('renders the plan as SQL in each target dialect that, run by hand, repairs the copies', async () => {
    await damage();
    const { keys } = await differingKeys('kinds');
    const snapshot = repairSnapshotFrom(await diffSnapshot('kinds'), { kind: 'source', connectionId: 'ref' }, ['mirror', 'maria', 'lite'], true);
    const plan = await planRepairKeys(snapshot, keys, planes());
    const sql = Object.fromEntries(['mirror', 'maria', 'lite'].map((id) => [id, repairSql(snapshot, id, plan.actions[id], 4)]));
    expect(sql.mirror).toMatch(/^INSERT INTO "mirror"\."kinds" \(.*\) VALUES\n[\s\S]*\nON CONFLICT \("id"\) DO UPDATE SET "price" = EXCLUDED\."price"/m);
    expect(sql.maria).toMatch(/ON DUPLICATE KEY UPDATE `price` = VALUES\(`price`\)/);
    expect(sql.lite).toMatch(/ON CONFLICT \("id"\) DO UPDATE SET "price" = excluded\."price"/);
    expect(sql.lite).toMatch(/DELETE FROM "main"\."kinds" WHERE "id" IN \('1001', '1002', '1003', '1004'\);/);
    // Values are literals of the target's own: bytes, the backslash and quote in text.
    expect(sql.mirror).toContain("E'\\\\x00000001'");
    expect(sql.maria).toContain("X'00000065'");
    for (const [id, side] of [['mirror', mirror], ['maria', maria], ['lite', lite]] as const) {
      const statements = sql[id].split(/;\n(?:\n|$)/).map((s) => s.replace(/^--.*\n\n?/, '').trim()).filter(Boolean);
      await side.data.execute(statements);
    }
    expect((await differingKeys('kinds')).keys).toEqual([]);
  }, 120_000);

  it('settles each key by the newest version, and by the majority of three, with a tie left alone', async () => {
    // Three sides disagree: ref has version 1; mirror bumps rows 1-3 (newer there); maria bumps rows 4-6 with version 5.
    await mirror.data.execute(["UPDATE mirror.kinds SET label = 'mirror wins', version = 2 WHERE id BETWEEN 1 AND 3"]);
    await maria.data.execute([`UPDATE \`${mariaDb.name}\`.kinds SET label = 'maria wins', version = 5 WHERE id BETWEEN 4 AND 6`]);
    const keys: NeutralValue[][] = [1n, 2n, 3n, 4n, 5n, 6n, 7n].map((id) => [id]);
    const diff = await planDiff({
      reference: { connectionId: 'ref', dialect: 'postgres', data: ref.data, table: { schema: 'public', name: 'kinds' } },
      others: [
        { connectionId: 'mirror', dialect: 'postgres', data: mirror.data, table: tables['mirror.kinds'] },
        { connectionId: 'maria', dialect: 'mysql', data: maria.data, table: tables['maria.kinds'] },
      ],
    });
    const rule: RepairRule = { kind: 'newest', column: 'version' };
    const newest = repairSnapshotFrom(diff, rule, ['ref', 'mirror', 'maria'], false);
    const plan = await planRepairKeys(newest, keys, planes());
    expect(ids(plan.actions.ref.map((a) => a.key))).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(ids(plan.actions.mirror.map((a) => a.key))).toEqual(['4', '5', '6']);
    expect(ids(plan.actions.maria.map((a) => a.key))).toEqual(['1', '2', '3']);
    // Majority before the newest repair: for 1-3 ref and maria agree against mirror, for 4-6 ref and mirror against maria.
    const majority = repairSnapshotFrom(diff, { kind: 'majority' }, ['ref', 'mirror', 'maria'], false);
    const byMajority = await planRepairKeys(majority, keys, planes());
    expect(ids(byMajority.actions.mirror.map((a) => a.key))).toEqual(['1', '2', '3']);
    expect(ids(byMajority.actions.maria.map((a) => a.key))).toEqual(['4', '5', '6']);
    expect(byMajority.actions.ref).toEqual([]);
    // A three-way split of key 7 is a tie: unresolved, never guessed.
    await mirror.data.execute(["UPDATE mirror.kinds SET label = 'b' WHERE id = 7"]);
    await maria.data.execute([`UPDATE \`${mariaDb.name}\`.kinds SET label = 'c' WHERE id = 7`]);
    const tie = await planRepairKeys(majority, [[7n]], planes());
    expect(tie.actions).toEqual({ ref: [], mirror: [], maria: [] });
    expect(ids(tie.unresolved.ref)).toEqual(['7']);
    // Applying the newest plan leaves every side holding the newest row.
    await apply(newest, plan.actions);
    const after = await verifyRepairKeys(newest, keys.slice(0, 6), planes());
    for (const id of ['ref', 'mirror', 'maria']) expect(after.byTarget[id]).toEqual({ missing: [], extra: [], different: [] });
  }, 120_000);

  it('refuses a target that is not compared, a source that is also a target, and an unknown newest column', async () => {
    const diff = await diffSnapshot('kinds');
    expect(() => repairSnapshotFrom(diff, { kind: 'source', connectionId: 'ref' }, ['nope'], false)).toThrow(expect.objectContaining({ field: 'targetIds' }));
    expect(() => repairSnapshotFrom(diff, { kind: 'source', connectionId: 'ref' }, ['ref'], false)).toThrow(expect.objectContaining({ field: 'targetIds' }));
    expect(() => repairSnapshotFrom(diff, { kind: 'newest', column: 'nope' }, ['maria'], false)).toThrow(expect.objectContaining({ field: 'rule.column' }));
  });
});
