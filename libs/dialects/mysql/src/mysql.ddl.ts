import { createHash } from 'node:crypto';
import type {
  CreateTableOptions,
  DdlBuilder,
  DdlPlan,
  IndexInfo,
  NeutralColumn,
  TableRef,
  TableSchema,
} from '@dbferry/dialects-core';
import type { MysqlFlavor } from './mysql.sql';
import { checkIdentifier, MYSQL_MAX_IDENTIFIER_LENGTH, qualify, quoteId } from './mysql.sql';
import { mysqlTypeMapper } from './mysql.type-mapper';
import { stringLiteral } from './mysql.values';

/** InnoDB's largest index key with the DYNAMIC row format (the default of MySQL 8 and MariaDB 10.6). */
export const INNODB_MAX_KEY_BYTES = 3072;

/**
 * A binary collation without padding: keys compare byte by byte, so 'a' and 'A', and 'a' and
 * 'a ' (which utf8mb4_bin, a PAD SPACE collation, treats as equal), stay distinct rows as they
 * are in PostgreSQL, SQL Server binary collations and SQLite. Copying them into a
 * case-insensitive or padding collation would turn distinct source keys into duplicates.
 */
export function tableCollation(flavor: MysqlFlavor): string {
  return flavor === 'mariadb' ? 'utf8mb4_nopad_bin' : 'utf8mb4_0900_bin';
}

const INTEGER_KINDS = new Set(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);
const LOB = /^(tiny|medium|long)?(text|blob)$/i;

/** Bytes a column takes in an index key, as InnoDB counts them (utf8mb4: 4 per character). */
function keyBytes(native: string): number {
  const m = /^(var)?(char|binary)\((\d+)\)/i.exec(native);
  if (m) return Number(m[3]) * (m[2]?.toLowerCase() === 'char' ? 4 : 1);
  return 16;
}

/** An index name MySQL accepts: kept when it fits, else shortened with a hash of the whole name. */
export function indexName(name: string): string {
  if ([...name].length <= MYSQL_MAX_IDENTIFIER_LENGTH && !name.endsWith(' ')) return name;
  const hash = createHash('md5').update(name).digest('hex').slice(0, 8);
  return `${[...name].slice(0, MYSQL_MAX_IDENTIFIER_LENGTH - 9).join('').trimEnd()}_${hash}`;
}

interface ColumnPlan {
  column: NeutralColumn;
  native: string;
  /** A TEXT/BLOB type the builder chose (not an override), so a key may narrow it. */
  lob: boolean;
  check?: string;
}

/** No override, or one that is an integer type (a same-dialect copy's own `bigint(20) unsigned`): AUTO_INCREMENT stays. */
const integerOverride = (override: string | undefined) => override === undefined || /^(tiny|small|medium|big)?int(eger)?\b/i.test(override.trim());

export class MysqlDdlBuilder implements DdlBuilder {
  constructor(private readonly flavor: MysqlFlavor) {}

  qualify(table: TableRef): string {
    return qualify(table);
  }

  createTable(target: TableRef, schema: Pick<TableSchema, 'columns' | 'primaryKey' | 'indexes'>, options: CreateTableOptions = {}): DdlPlan {
    checkIdentifier(target.schema);
    checkIdentifier(target.name);
    schema.columns.forEach((c) => checkIdentifier(c.name));
    const names = new Set(schema.columns.map((c) => c.name));
    const keys: { label: string; columns: string[] }[] = [];
    if (schema.primaryKey.length) keys.push({ label: 'the primary key', columns: schema.primaryKey });
    for (const index of schema.indexes) keys.push({ label: `index ${index.name}`, columns: index.columns });
    for (const key of keys) {
      const missing = key.columns.find((c) => !names.has(c));
      if (missing !== undefined) throw new Error(`${key.label} of ${target.name} names an unknown column ${missing}`);
    }

    const losses: DdlPlan['losses'] = [];
    const plans = schema.columns.map((column) => {
      const plan = this.columnPlan(column, options);
      if (plan.lossy) losses.push({ column: column.name, note: plan.lossy });
      return plan;
    });
    const byName = new Map(plans.map((p) => [p.column.name, p]));
    for (const key of keys) this.fitKey(target, key, byName);

    const pk = new Set(schema.primaryKey);
    const autoIncrementable = new Set([schema.primaryKey[0], ...schema.indexes.map((i) => i.columns[0])]);
    const lines = plans.map((p) => {
      const nullable = p.column.nullable && !pk.has(p.column.name);
      const identity = p.column.identity && INTEGER_KINDS.has(p.column.type.kind) && autoIncrementable.has(p.column.name) && integerOverride(options.typeOverrides?.[p.column.name]);
      return `  ${this.columnSql(p, nullable)}${identity ? ' AUTO_INCREMENT' : ''}`;
    });
    if (schema.primaryKey.length) lines.push(`  PRIMARY KEY (${schema.primaryKey.map(quoteId).join(', ')})`);
    for (const index of schema.indexes) lines.push(`  ${this.indexSql(index)}`);
    for (const p of plans) if (p.check) lines.push(`  CHECK (${p.check})`);
    const collation = tableCollation(this.flavor);
    const sql = `CREATE TABLE ${qualify(target)} (\n${lines.join(',\n')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation}`;
    return { statements: [sql], losses };
  }

  addColumns(target: TableRef, columns: NeutralColumn[], options: CreateTableOptions = {}): DdlPlan {
    checkIdentifier(target.schema);
    checkIdentifier(target.name);
    columns.forEach((c) => checkIdentifier(c.name));
    if (columns.length === 0) return { statements: [], losses: [] };
    const losses: DdlPlan['losses'] = [];
    const parts = columns.map((column) => {
      const plan = this.columnPlan(column, options);
      if (plan.lossy) losses.push({ column: column.name, note: plan.lossy });
      const check = plan.check ? `, ADD CHECK (${plan.check})` : '';
      return `ADD COLUMN ${this.columnSql(plan, column.nullable)}${check}`;
    });
    return { statements: [`ALTER TABLE ${qualify(target)} ${parts.join(', ')}`], losses };
  }

  private columnPlan(column: NeutralColumn, options: CreateTableOptions): ColumnPlan & { lossy?: DdlPlan['losses'][number]['note'] } {
    const result = mysqlTypeMapper.fromNeutral(column.type, { override: options.typeOverrides?.[column.name] });
    const override = options.typeOverrides?.[column.name] !== undefined;
    const plan: ColumnPlan & { lossy?: DdlPlan['losses'][number]['note'] } = { column, native: result.native, lob: !override && LOB.test(result.native) };
    if (result.check) plan.check = result.check(quoteId(column.name));
    if (result.lossy) plan.lossy = result.lossy;
    return plan;
  }

  private columnSql(plan: ColumnPlan, nullable: boolean): string {
    const comment = plan.column.comment ? ` COMMENT ${stringLiteral(plan.column.comment)}` : '';
    return `${quoteId(plan.column.name)} ${plan.native} ${nullable ? 'NULL' : 'NOT NULL'}${comment}`;
  }

  /**
   * InnoDB cannot index a TEXT/BLOB column without a prefix, and a prefix key would make
   * distinct long values collide. Such key columns become varchar/varbinary sharing the key's
   * byte budget (a longer value then fails its row under strict mode, never silently); a key
   * that still exceeds the budget is refused before any DDL runs.
   */
  private fitKey(target: TableRef, key: { label: string; columns: string[] }, byName: Map<string, ColumnPlan>): void {
    const plans = key.columns.map((c) => byName.get(c) as ColumnPlan);
    const lobs = plans.filter((p) => p.lob);
    const fixed = plans.filter((p) => !lobs.includes(p)).reduce((n, p) => n + keyBytes(p.native), 0);
    if (lobs.length) {
      const share = Math.floor((INNODB_MAX_KEY_BYTES - fixed) / lobs.length);
      for (const p of lobs) {
        const text = /text/i.test(p.native);
        const size = text ? Math.floor(share / 4) : share;
        if (size < 1) break;
        const current = /^(?:varchar|varbinary)\((\d+)\)$/i.exec(p.native);
        if (current && Number(current[1]) <= size) continue;
        p.native = `${text ? 'varchar' : 'varbinary'}(${size})`;
      }
    }
    const total = plans.reduce((n, p) => n + keyBytes(p.native), 0);
    if (total > INNODB_MAX_KEY_BYTES) {
      throw new Error(
        `${key.label} of ${target.name} needs about ${total} bytes per key (${plans.map((p) => `${p.column.name} ${p.native}`).join(', ')}); ` +
          `InnoDB allows ${INNODB_MAX_KEY_BYTES}: shorten the columns with typeOverrides`,
      );
    }
  }

  private indexSql(index: IndexInfo): string {
    const name = quoteId(indexName(index.name));
    return `${index.unique ? 'UNIQUE KEY' : 'KEY'} ${name} (${index.columns.map(quoteId).join(', ')})`;
  }
}
