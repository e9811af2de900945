import type { FilterGrammar } from '@dbferry/dialects-core';
import { Parser as MysqlParser } from 'node-sql-parser/build/mysql';
import { Parser as PostgresParser } from 'node-sql-parser/build/postgresql';
import { Parser as SqliteParser } from 'node-sql-parser/build/sqlite';
import { Parser as TransactSqlParser } from 'node-sql-parser/build/transactsql';
import { isEmpty, isNode, type Node } from './filter-ast';
import { FilterError } from './filter-error';

interface Grammar {
  database: string;
  parser: { astify(sql: string, opt?: { database?: string }): unknown };
  baseline?: Node;
}

/** How a grammar's output spells what the converter reads (facts about node-sql-parser, not about a database). */
export interface GrammarReads {
  /** "x" comes back as a double_quote_string node, which is a column name here. */
  doubleQuotedTextIsColumn: boolean;
  /** A backticked column name comes back as raw text with its backticks still doubled. */
  columnNameKeepsDoubledBackticks: boolean;
}

export const GRAMMAR_READS: Readonly<Record<FilterGrammar, GrammarReads>> = {
  postgresql: { doubleQuotedTextIsColumn: false, columnNameKeepsDoubledBackticks: false },
  mysql: { doubleQuotedTextIsColumn: false, columnNameKeepsDoubledBackticks: true },
  transactsql: { doubleQuotedTextIsColumn: true, columnNameKeepsDoubledBackticks: false },
  sqlite: { doubleQuotedTextIsColumn: true, columnNameKeepsDoubledBackticks: false },
};

// Its MariaDB grammar refuses plain column names such as `status`, so MySQL uses the MySQL one.
// Each build holds one grammar; the package's main entry loads all fourteen.
const GRAMMARS: Record<FilterGrammar, () => Grammar> = (() => {
  const cache = new Map<string, Grammar>();
  const get = (database: string, make: () => Grammar['parser']) => () => {
    let g = cache.get(database);
    if (!g) {
      g = { database, parser: make() };
      cache.set(database, g);
    }
    return g;
  };
  return {
    postgresql: get('postgresql', () => new PostgresParser()),
    mysql: get('mysql', () => new MysqlParser()),
    transactsql: get('transactsql', () => new TransactSqlParser()),
    sqlite: get('sqlite', () => new SqliteParser()),
  };
})();

const PREFIX = 'SELECT 1 FROM t WHERE ';

const KEY_LABELS: Record<string, string> = {
  groupby: 'GROUP BY',
  having: 'HAVING',
  orderby: 'ORDER BY',
  limit: 'LIMIT',
  window: 'WINDOW',
  locking_read: 'FOR UPDATE',
  for_update: 'FOR UPDATE',
  top: 'TOP',
};

/**
 * Parses `SELECT 1 FROM t WHERE <filter>` with the grammar and returns the WHERE node, refusing
 * anything else the statement gained (a second statement, UNION, ORDER BY, INTO…).
 */
export function parseWhere(grammarName: FilterGrammar, label: string, filter: string): unknown {
  const grammar = GRAMMARS[grammarName]();
  const astify = (sql: string): unknown[] => {
    const ast = grammar.parser.astify(sql, { database: grammar.database });
    return Array.isArray(ast) ? ast : [ast];
  };
  grammar.baseline ??= astify(`${PREFIX}1 = 1`)[0] as Node;

  let statements: unknown[];
  try {
    statements = astify(PREFIX + filter);
  } catch (err) {
    if (err instanceof RangeError) throw new FilterError('syntax', 'is nested too deeply');
    const e = isNode(err) ? err : {};
    const offset = isNode(e.location) && isNode(e.location.start) ? Number(e.location.start.offset) : NaN;
    const at = Number.isFinite(offset) ? ` at character ${Math.max(1, offset - PREFIX.length + 1)}` : '';
    const found = typeof e.found === 'string' ? ` near '${e.found}'` : e.found === null ? ' (unexpected end)' : '';
    throw new FilterError('syntax', `syntax error${at}${found} (${label} expression syntax)`);
  }
  if (statements.length !== 1 || !isNode(statements[0])) {
    throw new FilterError('statement', 'must be a single expression, not several statements');
  }
  const select = statements[0];
  const baseline = grammar.baseline;
  // Everything but WHERE must be what `SELECT 1 FROM t WHERE 1 = 1` gives: no UNION, ORDER BY, INTO…
  for (const key of new Set([...Object.keys(select), ...Object.keys(baseline)])) {
    if (key === 'where' || JSON.stringify(select[key] ?? null) === JSON.stringify(baseline[key] ?? null)) continue;
    if (key === '_next' || key === 'set_op' || key === 'union') throw new FilterError('set-operation', 'UNION, INTERSECT and EXCEPT are not allowed');
    if (key === 'into') throw new FilterError('statement', 'INTO is not allowed');
    throw new FilterError('not-boolean', `must be a single boolean expression (found ${KEY_LABELS[key] ?? key})`);
  }
  return select.where;
}


const SELECT_PREFIX = 'SELECT ';
const SELECT_SUFFIX = ' FROM t';

/**
 * Parses `SELECT <expression> FROM t` with the grammar and returns the one select item's
 * expression, refusing anything else the statement gained (an alias, a second item, WHERE,
 * UNION, INTO…).
 */
export function parseSelectItem(grammarName: FilterGrammar, label: string, expression: string): unknown {
  const grammar = GRAMMARS[grammarName]();
  const astify = (sql: string): unknown[] => {
    const ast = grammar.parser.astify(sql, { database: grammar.database });
    return Array.isArray(ast) ? ast : [ast];
  };
  const baseline = astify(`${SELECT_PREFIX}1${SELECT_SUFFIX}`)[0] as Node;
  let statements: unknown[];
  try {
    statements = astify(SELECT_PREFIX + expression + SELECT_SUFFIX);
  } catch (err) {
    if (err instanceof RangeError) throw new FilterError('syntax', 'is nested too deeply');
    const e = isNode(err) ? err : {};
    const offset = isNode(e.location) && isNode(e.location.start) ? Number(e.location.start.offset) : NaN;
    const at = Number.isFinite(offset) ? ` at character ${Math.max(1, offset - SELECT_PREFIX.length + 1)}` : '';
    const found = typeof e.found === 'string' ? ` near '${e.found}'` : e.found === null ? ' (unexpected end)' : '';
    throw new FilterError('syntax', `syntax error${at}${found} (${label} expression syntax)`);
  }
  if (statements.length !== 1 || !isNode(statements[0])) throw new FilterError('statement', 'must be a single expression, not several statements');
  const select = statements[0];
  for (const key of new Set([...Object.keys(select), ...Object.keys(baseline)])) {
    if (key === 'columns' || JSON.stringify(select[key] ?? null) === JSON.stringify(baseline[key] ?? null)) continue;
    if (key === '_next' || key === 'set_op' || key === 'union') throw new FilterError('set-operation', 'UNION, INTERSECT and EXCEPT are not allowed');
    if (key === 'into') throw new FilterError('statement', 'INTO is not allowed');
    throw new FilterError('not-boolean', `must be a single expression (found ${KEY_LABELS[key] ?? key})`);
  }
  const columns = Array.isArray(select.columns) ? select.columns : [];
  if (columns.length !== 1 || !isNode(columns[0])) throw new FilterError('statement', 'must be a single expression, not a list');
  const item = columns[0];
  if (!isEmpty(item.as)) throw new FilterError('syntax', 'an alias is not allowed: the transform names the column');
  for (const key of Object.keys(item)) {
    if (key !== 'expr' && key !== 'as' && key !== 'type' && !isEmpty(item[key])) throw new FilterError('unsupported', `a select item with ${key} is not supported`);
  }
  return item.expr;
}
