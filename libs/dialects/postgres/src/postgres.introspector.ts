import type { Client } from 'pg';
import type { IndexInfo, Introspector, NamedType, NativeColumnInfo, NeutralColumn, TableRef, TableSchema } from '@dbferry/dialects-core';
import { qualifyTable, quotePostgresIdentifier } from './postgres.sql';
import { postgresTypeMapper } from './postgres.type-mapper';

export const POSTGRES_LIST_SCHEMAS_SQL = `
SELECT n.nspname::text AS name
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%'
  AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY n.nspname`;

export const POSTGRES_TABLE_SQL = `
SELECT c.oid::int8::text AS oid,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS row_estimate
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f')`;

/** Columns in attnum order; a domain is read as its base type, an enum (or array of one) with its labels. */
export const POSTGRES_COLUMNS_SQL = `
SELECT a.attname::text AS name,
       format_type(COALESCE(NULLIF(t.typbasetype, 0), a.atttypid), CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS type_text,
       a.attnotnull AS not_null,
       pg_get_expr(d.adbin, d.adrelid) AS default_expr,
       a.attidentity::text AS identity,
       a.attgenerated::text AS generated,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS enum_labels,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.typelem AND t.typcategory = 'A') AS element_enum_labels,
       (SELECT array_agg(pg_get_constraintdef(k.oid) ORDER BY k.conname) FROM pg_constraint k
         WHERE k.conrelid = a.attrelid AND k.contype = 'c' AND k.conkey = ARRAY[a.attnum]) AS checks,
       col_description(a.attrelid, a.attnum) AS comment
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;

/**
 * Primary key, unique and secondary indexes with their key columns in order. Expression and
 * partial indexes cannot be described as column lists and are left out; INCLUDE columns too.
 */
export const POSTGRES_INDEXES_SQL = `
SELECT i.relname::text AS name,
       x.indisprimary AS is_primary,
       x.indisunique AS is_unique,
       array_agg(a.attname::text ORDER BY k.ord) AS columns
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
WHERE x.indrelid = $1::oid
  AND x.indexprs IS NULL
  AND x.indpred IS NULL
  AND k.ord <= x.indnkeyatts
GROUP BY i.relname, x.indisprimary, x.indisunique
ORDER BY x.indisprimary DESC, i.relname`;

/** The type a type text names, resolved through the session's search_path (to_regtype: NULL when there is none). */
export const POSTGRES_LOOKUP_TYPE_SQL = `
SELECT n.nspname::text AS schema, t.typname::text AS name, t.typtype::text AS typtype,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) AS labels
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.oid = to_regtype($1::text)`;

/** The type text and enum labels of result types by OID and typmod, in the order given. */
export const POSTGRES_RESULT_TYPES_SQL = `
SELECT format_type(m.oid, NULLIF(m.typmod, -1)) AS type_text,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = m.oid) AS enum_labels
FROM unnest($1::oid[], $2::int[]) WITH ORDINALITY AS m(oid, typmod, ord)
ORDER BY m.ord`;

interface ColumnRow {
  name: string;
  type_text: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  enum_labels: string[] | null;
  element_enum_labels: string[] | null;
  checks: string[] | null;
  comment: string | null;
}

interface IndexRow {
  name: string;
  is_primary: boolean;
  is_unique: boolean;
  columns: string[];
}

/**
 * The labels of a `CHECK (col IN ('a', 'b'))` as PostgreSQL prints it back
 * (`CHECK ((col = ANY (ARRAY['a'::text, 'b'::text])))`): how dbferry keeps an enum as text.
 */
export function checkedLabels(definition: string): string[] | undefined {
  const column = String.raw`\(*(?:"(?:[^"]|"")*"|[^\s()"]+)\)?(?:::text)?`;
  const literal = String.raw`'(?:[^']|'')*'::(?:text|character varying|bpchar)`;
  const many = new RegExp(String.raw`^CHECK \(\(${column} = ANY \(\(?ARRAY\[(.*?)\](?:\)::text\[\])?\)\)\)$`, 's');
  const one = new RegExp(String.raw`^CHECK \(\(${column} = (${literal})\)\)$`, 's');
  const list = many.exec(definition.trim())?.[1] ?? one.exec(definition.trim())?.[1];
  if (list === undefined) return undefined;
  const labels: string[] = [];
  for (const item of list.split(/,\s*(?=')/)) {
    const label = new RegExp(String.raw`^'((?:[^']|'')*)'::(?:text|character varying|bpchar)$`, 's').exec(item.trim());
    if (!label) return undefined;
    labels.push(label[1].replace(/''/g, "'"));
  }
  return labels.length ? labels : undefined;
}

/** The catalogue facts of one column as the type mapper reads them. */
export function nativeColumnInfo(typeText: string, enumLabels: string[] | null, elementEnumLabels: string[] | null): NativeColumnInfo {
  const info = postgresTypeMapper.parseNativeType(typeText);
  if (enumLabels?.length) info.enumValues = enumLabels;
  if (elementEnumLabels?.length && info.elementType) info.elementType = { ...info.elementType, enumValues: elementEnumLabels };
  return info;
}

export class PostgresIntrospector implements Introspector {
  constructor(private readonly client: () => Client) {}

  async listSchemas(): Promise<string[]> {
    const result = await this.client().query<{ name: string }>(POSTGRES_LIST_SCHEMAS_SQL);
    return result.rows.map((r) => r.name);
  }

  async lookupType(typeText: string): Promise<NamedType | null> {
    const result = await this.client().query<{ schema: string; name: string; typtype: string; labels: string[] | null }>(POSTGRES_LOOKUP_TYPE_SQL, [typeText]);
    const row = result.rows[0];
    if (!row) return null;
    if (row.schema === 'pg_catalog' || row.schema === 'information_schema') return { schema: row.schema, name: row.name, kind: 'builtin' };
    return row.typtype === 'e' ? { schema: row.schema, name: row.name, kind: 'enum', labels: row.labels ?? [] } : { schema: row.schema, name: row.name, kind: 'other' };
  }

  async describeTable(table: TableRef): Promise<TableSchema | null> {
    const client = this.client();
    const found = await client.query<{ oid: string; row_estimate: number | null }>(POSTGRES_TABLE_SQL, [table.schema, table.name]);
    const row = found.rows[0];
    if (!row) return null;
    const [columns, indexes] = await Promise.all([
      client.query<ColumnRow>(POSTGRES_COLUMNS_SQL, [row.oid]),
      client.query<IndexRow>(POSTGRES_INDEXES_SQL, [row.oid]),
    ]);
    const primary = indexes.rows.find((r) => r.is_primary);
    return {
      schema: table.schema,
      name: table.name,
      columns: columns.rows.map((c) => this.column(c)),
      primaryKey: primary?.columns ?? [],
      indexes: indexes.rows
        .filter((r) => !r.is_primary)
        .map((r): IndexInfo => ({ name: r.name, columns: r.columns, unique: r.is_unique })),
      rowEstimate: row.row_estimate === null ? null : Math.round(row.row_estimate),
    };
  }

  /** `SELECT <expressions> FROM <table> LIMIT 0`: the result's types, no row read. */
  async describeExpressions(table: TableRef, expressions: { name: string; sql: string }[]): Promise<NeutralColumn[]> {
    const client = this.client();
    const list = expressions.map((e) => `(${e.sql}) AS ${quotePostgresIdentifier(e.name)}`).join(', ');
    const result = await client.query({ text: `SELECT ${list} FROM ${qualifyTable(table)} LIMIT 0`, rowMode: 'array' });
    const types = await client.query<{ type_text: string; enum_labels: string[] | null }>(POSTGRES_RESULT_TYPES_SQL, [
      result.fields.map((f) => f.dataTypeID),
      result.fields.map((f) => f.dataTypeModifier),
    ]);
    return expressions.map((e, i) => {
      const row = types.rows[i] as { type_text: string; enum_labels: string[] | null };
      const mapped = postgresTypeMapper.toNeutral(nativeColumnInfo(row.type_text, row.enum_labels, null));
      return { name: e.name, type: mapped.type, nativeType: row.type_text, nullable: true, default: null };
    });
  }

  private column(c: ColumnRow): NeutralColumn {
    const labels = c.enum_labels ?? (c.checks ?? []).map(checkedLabels).find((l) => l !== undefined) ?? null;
    const mapped = postgresTypeMapper.toNeutral(nativeColumnInfo(c.type_text, labels, c.element_enum_labels));
    const serial = /^nextval\(/i.test(c.default_expr ?? '');
    const column: NeutralColumn = {
      name: c.name,
      type: mapped.type,
      nativeType: c.type_text,
      nullable: !c.not_null,
      default: c.default_expr,
    };
    if (c.identity !== '' || serial || mapped.identity) column.identity = true;
    if (c.comment !== null) column.comment = c.comment;
    return column;
  }
}
