import type { DialectName, NeutralColumn, TableRef } from '@dbferry/dialects-core';
import { quotingFor } from '../filter/filter-render';
import { copyRange, CopyRangeInput, CopyRangeResult } from './copy-range';

/**
 * How each database replaces a table's rows with a staging table's, atomically: PostgreSQL,
 * SQL Server and SQLite in one transaction (their `execute` is one); MySQL by one RENAME of
 * both tables (its DDL commits on its own, RENAME TABLE is atomic); Oracle in one PL/SQL block
 * (a failing block rolls back as one statement). `create` makes the staging table where the
 * dialect can copy the target's exact shape.
 */
interface SwapStyle {
  drop(table: string): string;
  /** A staging table shaped like the target (null: create it from the columns). */
  createLike?(stage: string, target: string): string;
  swap(target: string, stage: string, old: string, columns: string): string[][];
}

const plainSwap = (target: string, stage: string, _old: string, columns: string) => [
  [`DELETE FROM ${target}`, `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage}`],
  [`DROP TABLE ${stage}`],
];

const SWAP: Record<DialectName, SwapStyle> = {
  postgres: { drop: (t) => `DROP TABLE IF EXISTS ${t}`, swap: plainSwap },
  sqlite: { drop: (t) => `DROP TABLE IF EXISTS ${t}`, swap: plainSwap },
  mssql: { drop: (t) => `DROP TABLE IF EXISTS ${t}`, swap: plainSwap },
  mysql: {
    drop: (t) => `DROP TABLE IF EXISTS ${t}`,
    createLike: (stage, target) => `CREATE TABLE ${stage} LIKE ${target}`,
    swap: (target, stage, old) => [[`RENAME TABLE ${target} TO ${old}, ${stage} TO ${target}`], [`DROP TABLE ${old}`]],
  },
  oracle: {
    drop: (t) => `BEGIN EXECUTE IMMEDIATE 'DROP TABLE ${t.split("'").join("''")} PURGE'; EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;`,
    swap: (target, stage, _old, columns) => [
      [`BEGIN DELETE FROM ${target}; INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stage}; END;`],
      [`DROP TABLE ${stage} PURGE`],
    ],
  },
};

export interface KeylessCopyInput extends Omit<CopyRangeInput, 'range' | 'mode' | 'keyColumns' | 'rejectLimit'> {
  targetDialect: DialectName;
  /** Unique per run table (e.g. its id), so a retry finds and drops its own leftover. */
  stagingTag: string;
}

/** The statements of a keyless copy, in order, each inner list run by one `execute`. */
export function keylessSwapSql(dialect: DialectName, qualify: (t: TableRef) => string, to: TableRef, tag: string, columns: NeutralColumn[]) {
  const short = tag.replace(/[^0-9a-z]/gi, '').slice(0, 12).toLowerCase();
  const stage: TableRef = { schema: to.schema, name: `dbferry_stage_${short}` };
  const old: TableRef = { schema: to.schema, name: `dbferry_old_${short}` };
  const style = SWAP[dialect];
  const list = columns.map((c) => quotingFor(dialect).quoteIdent(c.name)).join(', ');
  return {
    stage,
    dropLeftovers: [style.drop(qualify(stage)), ...(dialect === 'mysql' ? [style.drop(qualify(old))] : [])],
    createLike: style.createLike?.(qualify(stage), qualify(to)),
    swap: style.swap(qualify(to), qualify(stage), qualify(old), list),
  };
}

/**
 * A table without a usable key cannot be split or resumed part-way, so it is copied whole into
 * a fresh staging table beside the target (a retry drops a leftover one and starts again) and
 * swapped in at the end: the target keeps its old rows, untouched, until the new set is
 * complete, then changes in one step.
 */
export async function copyKeyless(input: KeylessCopyInput): Promise<CopyRangeResult> {
  const { target } = input;
  const sql = keylessSwapSql(input.targetDialect, (t) => target.ddl.qualify(t), input.to, input.stagingTag, input.columns);
  await target.execute(sql.dropLeftovers);
  if (sql.createLike) await target.execute([sql.createLike]);
  else await target.execute(target.ddl.createTable(sql.stage, { columns: input.columns, primaryKey: [], indexes: [] }).statements);
  try {
    const result = await copyRange({ ...input, to: sql.stage, keyColumns: [], mode: 'insert' });
    for (const statements of sql.swap) await target.execute(statements);
    return result;
  } catch (error) {
    await target.execute(sql.dropLeftovers).catch(() => undefined);
    throw error;
  }
}
