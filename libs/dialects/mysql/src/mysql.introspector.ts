import type { Connection, FieldPacket, RowDataPacket } from 'mysql2/promise';
import type { IndexInfo, Introspector, NativeColumnInfo, NeutralColumn, TableRef, TableSchema } from '@dbferry/dialects-core';
import { identifierCanExist, MYSQL_SYSTEM_SCHEMAS, type MysqlFlavor, qualify, quoteId } from './mysql.sql';
import { type ErrorMapper, guarded } from './mysql.reader';
import { mysqlTypeMapper } from './mysql.type-mapper';

const SYSTEM_LIST = MYSQL_SYSTEM_SCHEMAS.map((s) => `'${s}'`).join(', ');

export const MYSQL_LIST_SCHEMAS_SQL = `
SELECT SCHEMA_NAME AS schema_name FROM information_schema.SCHEMATA
WHERE SCHEMA_NAME NOT IN (${SYSTEM_LIST})
ORDER BY SCHEMA_NAME`;

export const MYSQL_TABLE_SQL = `
SELECT TABLE_ROWS AS table_rows FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND TABLE_TYPE = 'BASE TABLE'`;

export const MYSQL_COLUMNS_SQL = `
SELECT COLUMN_NAME AS column_name, DATA_TYPE AS data_type, COLUMN_TYPE AS column_type,
  CHARACTER_MAXIMUM_LENGTH AS char_length, NUMERIC_PRECISION AS numeric_precision,
  NUMERIC_SCALE AS numeric_scale, DATETIME_PRECISION AS datetime_precision,
  IS_NULLABLE AS is_nullable, COLUMN_DEFAULT AS column_default, EXTRA AS extra,
  COLUMN_COMMENT AS column_comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY ORDINAL_POSITION`;

export const MYSQL_INDEXES_SQL = `
SELECT INDEX_NAME AS index_name, NON_UNIQUE AS non_unique, COLUMN_NAME AS column_name
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, SEQ_IN_INDEX`;

/** MariaDB keeps `json` as longtext plus a column CHECK named after the column. */
export const MARIADB_JSON_CHECKS_SQL = `
SELECT CHECK_CLAUSE AS check_clause FROM information_schema.CHECK_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?`;

interface ColumnRow extends RowDataPacket {
  column_name: string;
  data_type: string;
  column_type: string;
  char_length: number | string | null;
  numeric_precision: number | string | null;
  numeric_scale: number | string | null;
  datetime_precision: number | string | null;
  is_nullable: string;
  column_default: string | null;
  extra: string;
  column_comment: string;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** What the catalogue says about one column, as the type mapper reads it. */
export function nativeInfoOf(row: Pick<ColumnRow, 'data_type' | 'column_type' | 'char_length' | 'numeric_precision' | 'numeric_scale' | 'datetime_precision'>): NativeColumnInfo {
  const dataType = row.data_type.toLowerCase();
  const info: NativeColumnInfo = { ...mysqlTypeMapper.parseNativeType(row.column_type), dataType };
  if (['char', 'varchar', 'binary', 'varbinary', 'bit'].includes(dataType)) {
    // CHARACTER_MAXIMUM_LENGTH is NULL for bit; COLUMN_TYPE carries its length.
    info.length = num(row.char_length) ?? info.length ?? null;
  }
  if (['decimal', 'numeric'].includes(dataType)) {
    info.precision = num(row.numeric_precision);
    info.scale = num(row.numeric_scale);
  }
  if (['time', 'datetime', 'timestamp'].includes(dataType)) info.precision = num(row.datetime_precision) ?? 0;
  return info;
}

/**
 * MariaDB (10.2.7+) prints defaults as SQL expressions (`'abc'`, `NULL`, `current_timestamp()`);
 * MySQL prints the bare value and flags expressions with DEFAULT_GENERATED. Both become the
 * expression as the source would write it, or null for no default.
 */
export function defaultExpression(flavor: MysqlFlavor, row: Pick<ColumnRow, 'column_default' | 'extra' | 'data_type'>): string | null {
  const d = row.column_default;
  if (d === null) return null;
  if (flavor === 'mariadb') return d === 'NULL' ? null : d;
  if (/DEFAULT_GENERATED/i.test(row.extra)) return d;
  const numeric = /int|decimal|numeric|float|double|bit|year/i.test(row.data_type);
  return numeric && /^-?[\d.]+$/.test(d) ? d : `'${d.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Bytes per character of the character sets by collation id, for result lengths (which are in bytes). */
export const MYSQL_CHARSET_MAXLEN_SQL = `
SELECT l.ID AS id, c.MAXLEN AS maxlen FROM information_schema.COLLATIONS l
JOIN information_schema.CHARACTER_SETS c ON c.CHARACTER_SET_NAME = l.CHARACTER_SET_NAME`;

const BINARY_CHARSET = 63;
const UNSIGNED_FLAG = 32;
/** decimals of a result column whose fraction is not fixed (31 on old servers, 39 on new). */
const fraction = (decimals: number) => (decimals > 6 ? 6 : decimals);

/**
 * The column type text a result column's metadata stands for (`varchar(80)`, `decimal(13,2)`,
 * `datetime(6)`…), as COLUMN_TYPE would print it: the input of the type mapper. `maxlen` is the
 * bytes per character of the column's character set (lengths come in bytes).
 */
export function resultColumnType(field: Pick<FieldPacket, 'columnType' | 'columnLength' | 'decimals' | 'flags' | 'characterSet'> & { extendedFormat?: string; extendedTypeName?: string }, maxlen: number): string {
  const length = Number(field.columnLength ?? 0);
  const unsigned = typeof field.flags === 'number' && (field.flags & UNSIGNED_FLAG) !== 0 ? ' unsigned' : '';
  const binary = field.characterSet === BINARY_CHARSET;
  const chars = Math.max(1, Math.ceil(length / Math.max(1, maxlen)));
  if (field.extendedFormat === 'json') return 'json';
  if (field.extendedTypeName === 'uuid') return 'uuid';
  switch (field.columnType) {
    case 1:
      return `tinyint${unsigned}`;
    case 2:
      return `smallint${unsigned}`;
    case 9:
      return `mediumint${unsigned}`;
    case 3:
      return `int${unsigned}`;
    case 8:
      return `bigint${unsigned}`;
    case 4:
      return 'float';
    case 5:
      return 'double';
    case 0:
    case 246: {
      const scale = Math.min(30, field.decimals);
      const precision = Math.min(65, Math.max(1, length - (scale > 0 ? 1 : 0) - (unsigned ? 0 : 1)));
      return `decimal(${precision},${Math.min(scale, precision)})${unsigned}`;
    }
    case 7:
      return field.decimals ? `timestamp(${fraction(field.decimals)})` : 'timestamp';
    case 12:
      return field.decimals ? `datetime(${fraction(field.decimals)})` : 'datetime';
    case 11:
      return field.decimals ? `time(${fraction(field.decimals)})` : 'time';
    case 10:
      return 'date';
    case 13:
      return 'year';
    case 16:
      return `bit(${Math.max(1, length)})`;
    case 245:
      return 'json';
    case 15:
    case 253:
      return binary ? `varbinary(${Math.max(1, length)})` : chars > 16383 ? 'mediumtext' : `varchar(${chars})`;
    case 254:
      return binary ? `binary(${Math.max(1, length)})` : chars > 255 ? `varchar(${chars})` : `char(${chars})`;
    case 249:
    case 250:
    case 251:
    case 252: {
      const size = length <= 255 ? 'tiny' : length <= 65535 ? '' : length <= 16777215 ? 'medium' : 'long';
      return `${size}${binary ? 'blob' : 'text'}`;
    }
    default:
      return binary ? 'longblob' : 'longtext';
  }
}

export class MysqlIntrospector implements Introspector {
  constructor(
    private readonly connection: Connection,
    private readonly flavor: MysqlFlavor,
    private readonly mapError: ErrorMapper,
  ) {}

  listSchemas(): Promise<string[]> {
    return guarded(this.mapError, async () => {
      const [rows] = await this.connection.query<RowDataPacket[]>(MYSQL_LIST_SCHEMAS_SQL);
      return rows.map((r) => String(r['schema_name']));
    });
  }

  describeTable(table: TableRef): Promise<TableSchema | null> {
    return guarded(this.mapError, () => this.describe(table));
  }

  /** `SELECT <expressions> FROM <table> LIMIT 0`: the result columns' metadata, no row read. */
  describeExpressions(table: TableRef, expressions: { name: string; sql: string }[]): Promise<NeutralColumn[]> {
    return guarded(this.mapError, async () => {
      const list = expressions.map((e) => `(${e.sql}) AS ${quoteId(e.name)}`).join(', ');
      const [, fields] = await this.connection.query<RowDataPacket[]>(`SELECT ${list} FROM ${qualify(table)} LIMIT 0`);
      const [charsets] = await this.connection.query<RowDataPacket[]>(MYSQL_CHARSET_MAXLEN_SQL);
      const maxlen = new Map(charsets.map((r) => [Number(r['id']), Number(r['maxlen'])]));
      return expressions.map((e, i) => {
        const field = fields[i] as FieldPacket;
        const nativeType = resultColumnType(field, maxlen.get(Number(field.characterSet)) ?? 4);
        const mapped = mysqlTypeMapper.toNeutral(mysqlTypeMapper.parseNativeType(nativeType));
        return { name: e.name, type: mapped.type, nativeType, nullable: true, default: null };
      });
    });
  }

  private async describe(table: TableRef): Promise<TableSchema | null> {
    // Compared with a 4-byte character, information_schema's utf8mb3 names raise "Illegal mix of collations".
    if (!identifierCanExist(table.schema) || !identifierCanExist(table.name)) return null;
    const [tables] = await this.connection.query<RowDataPacket[]>(MYSQL_TABLE_SQL, [table.schema, table.name]);
    const found = tables[0];
    if (!found) return null;
    const [columnRows] = await this.connection.query<ColumnRow[]>(MYSQL_COLUMNS_SQL, [table.schema, table.name]);
    const jsonColumns = await this.mariadbJsonColumns(table);
    const columns: NeutralColumn[] = columnRows.map((row) => {
      const mapped = jsonColumns.has(row.column_name)
        ? { type: { kind: 'json' as const } as NeutralColumn['type'], identity: false }
        : mysqlTypeMapper.toNeutral(nativeInfoOf(row));
      const column: NeutralColumn = {
        name: row.column_name,
        type: mapped.type,
        nativeType: row.column_type,
        nullable: row.is_nullable === 'YES',
        default: defaultExpression(this.flavor, row),
        identity: /auto_increment/i.test(row.extra) || mapped.identity === true,
      };
      if (row.column_comment) column.comment = row.column_comment;
      return column;
    });
    const [indexRows] = await this.connection.query<RowDataPacket[]>(MYSQL_INDEXES_SQL, [table.schema, table.name]);
    const primaryKey: string[] = [];
    const indexes = new Map<string, IndexInfo>();
    for (const r of indexRows) {
      const name = String(r['index_name']);
      const column = String(r['column_name']);
      if (name === 'PRIMARY') {
        primaryKey.push(column);
        continue;
      }
      const index = indexes.get(name) ?? { name, columns: [], unique: Number(r['non_unique']) === 0 };
      index.columns.push(column);
      indexes.set(name, index);
    }
    const rowEstimate = found['table_rows'] === null ? null : Number(found['table_rows']);
    return { schema: table.schema, name: table.name, columns, primaryKey, indexes: [...indexes.values()], rowEstimate };
  }

  private async mariadbJsonColumns(table: TableRef): Promise<Set<string>> {
    if (this.flavor !== 'mariadb') return new Set();
    const [rows] = await this.connection.query<RowDataPacket[]>(MARIADB_JSON_CHECKS_SQL, [table.schema, table.name]);
    const out = new Set<string>();
    for (const r of rows) {
      const m = /^json_valid\((`(?:[^`]|``)+`)\)$/i.exec(String(r['check_clause']).trim());
      if (m?.[1]) out.add(m[1].slice(1, -1).replace(/``/g, '`'));
    }
    return out;
  }
}
