import { IdentifierError, type KeyRange, type NeutralColumn, type NeutralValue, type TableRef } from '@dbferry/dialects-core';
import { sqlLiteral } from './mysql.values';

export const MYSQL_MAX_IDENTIFIER_LENGTH = 64;

export const MYSQL_SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const;

export type MysqlFlavor = 'mysql' | 'mariadb';

/** Identifier rules of MySQL and MariaDB (characters, not bytes), checked before any SQL is built. */
export function checkIdentifier(name: string): void {
  const chars = [...name];
  if (chars.length === 0) throw new IdentifierError(name, 'is empty');
  if (chars.length > MYSQL_MAX_IDENTIFIER_LENGTH) {
    throw new IdentifierError(name, `is ${chars.length} characters long; MySQL allows ${MYSQL_MAX_IDENTIFIER_LENGTH}`);
  }
  if (name.includes('\0')) throw new IdentifierError(name, 'contains a NUL character');
  if (chars.some((c) => (c.codePointAt(0) ?? 0) > 0xffff)) {
    throw new IdentifierError(name, 'contains a character outside the Basic Multilingual Plane, which MySQL identifiers cannot hold');
  }
  if (name.endsWith(' ')) throw new IdentifierError(name, 'ends with a space, which MySQL identifiers cannot');
}

/** Whether a table or schema of this name can exist; lookups of one that cannot are "not found", not a server error. */
export function identifierCanExist(name: string): boolean {
  try {
    checkIdentifier(name);
    return true;
  } catch {
    return false;
  }
}

/** Quotes with backticks, doubling any inside, without checking the name. */
export function quoteMysqlIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

/** Quotes with backticks (doubling any inside), after checking the name can exist. */
export function quoteId(name: string): string {
  checkIdentifier(name);
  return quoteMysqlIdentifier(name);
}

export function qualify(table: TableRef): string {
  return `${quoteId(table.schema)}.${quoteId(table.name)}`;
}

export function tableLabel(table: TableRef): string {
  return `${table.schema}.${table.name}`;
}

/** The key columns' descriptions, in key order; throws when a key column is not among `columns`. */
export function keyColumnsOf(columns: NeutralColumn[], keyColumns: string[]): NeutralColumn[] {
  return keyColumns.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new Error(`key column ${name} is not among the columns`);
    return column;
  });
}

/**
 * `key > bound` (or `>=`/`<=`/`<`) over a tuple, expanded as
 * `k1 >= v1 AND (k1 > v1 OR (k1 = v1 AND k2 > v2))`: MySQL's range optimiser uses the index for
 * this form on every version, unlike a row-value comparison.
 */
function tupleCompare(keys: NeutralColumn[], bound: NeutralValue[], strict: '>' | '<', inclusiveLast: boolean): string {
  if (bound.length !== keys.length) throw new Error(`a key bound has ${bound.length} values for ${keys.length} key columns`);
  const terms = keys.map((k, i) => ({ id: quoteId(k.name), lit: sqlLiteral(k.type, bound[i] ?? null, k.name) }));
  const build = (i: number): string => {
    const t = terms[i];
    if (!t) return '';
    const last = i === terms.length - 1;
    if (last) return `${t.id} ${strict}${inclusiveLast ? '=' : ''} ${t.lit}`;
    return `${t.id} ${strict} ${t.lit} OR (${t.id} = ${t.lit} AND ${wrap(build(i + 1))})`;
  };
  const wrap = (s: string) => (s.includes(' OR ') ? `(${s})` : s);
  const first = terms[0];
  if (!first) return '1 = 1';
  if (terms.length === 1) return build(0);
  return `${first.id} ${strict}= ${first.lit} AND (${build(0)})`;
}

/** The predicate of a key range (lower exclusive, upper inclusive), or null when both ends are open. */
export function rangePredicate(keys: NeutralColumn[], range: KeyRange | undefined): string | null {
  const parts: string[] = [];
  if (range?.lower) parts.push(`(${tupleCompare(keys, range.lower, '>', false)})`);
  if (range?.upper) parts.push(`(${tupleCompare(keys, range.upper, '<', true)})`);
  return parts.length ? parts.join(' AND ') : null;
}

/** ` WHERE …` from a range and an already validated filter, or ''. */
export function whereClause(keys: NeutralColumn[], range: KeyRange | undefined, where: string | undefined): string {
  const parts = [rangePredicate(keys, range), where ? `(${where})` : null].filter((p): p is string => p !== null);
  return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
}

export function orderBy(keys: string[], direction: '' | ' DESC' = ''): string {
  return keys.length ? ` ORDER BY ${keys.map((k) => `${quoteId(k)}${direction}`).join(', ')}` : '';
}
