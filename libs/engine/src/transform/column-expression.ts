import { DbError, DIALECT_NAMES, type DialectName, type Introspector, type NeutralColumn, type NeutralType, type TableRef } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { short } from '../filter/filter-ast';
import { FilterBuilder } from '../filter/filter-builder';
import { FilterError } from '../filter/filter-error';
import { GRAMMAR_READS, parseSelectItem } from '../filter/filter-grammar';
import type { FilterExpr } from '../filter/filter-ir';
import { renderExpression } from '../filter/filter-render';
import { scanFilterText } from '../filter/filter-scan';
import { type ColumnTransform, type ResolvedExpression, TransformError } from './column-transforms';

export interface ColumnExpressionInput {
  /** The source's dialect: the expression is written, checked and evaluated in its SQL. */
  dialect: DialectName;
  expression: string;
  /** The table's own columns (every one, not only those copied). */
  columns: NeutralColumn[];
}

export interface ValidatedExpression {
  /** Re-rendered by dbferry in the source's SQL, every column quoted by the dialect: the text sent is never run as is. */
  sql: string;
  /** The table's columns it reads, by their exact names. */
  columns: string[];
  /** The type worked out from the expression alone, for a source whose results carry no type (SQLite). */
  inferred: NeutralType;
}

// Same path as a filter (scan → parse → convert → render), with a SELECT item instead of a WHERE
// and the dialect's ExpressionDialect allowing `||`, CASE and its allowlisted functions.

/**
 * Accepts a transform's `set.expr` only as one scalar, read-only expression over the table's
 * own columns and returns it re-rendered for the source dialect. Throws FilterError (the caller
 * places it on `transforms[j].set.expr`).
 */
export function validateColumnExpression(input: ColumnExpressionInput): ValidatedExpression {
  const { dialect, expression, columns } = input;
  if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) throw new FilterError('unsupported', `unknown dialect ${short(String(dialect))}`);
  if (typeof expression !== 'string') throw new FilterError('empty', 'must be a string');
  const style = sqlStyleOf(dialect);
  if (!style.expression) throw new FilterError('unsupported', `a ${style.label} source cannot evaluate transform expressions yet`);
  scanFilterText(style.filter, expression, { pipes: true });
  const node = parseSelectItem(style.filter.grammar, style.label, expression);
  try {
    const builder = new FilterBuilder(style, GRAMMAR_READS[style.filter.grammar], columns.map((c) => c.name), style.expression);
    const expr = builder.scalar(node);
    if (!builder.referenced.length && !readsNothingOk(expr)) throw new FilterError('column', 'must read at least one of the table\'s columns (for a constant, use set.value)');
    const types = new Map(columns.map((c) => [c.name, c.type]));
    return { sql: renderExpression(dialect, expr), columns: builder.referenced, inferred: inferType(expr, types) };
  } catch (err) {
    if (err instanceof RangeError) throw new FilterError('syntax', 'is nested too deeply');
    throw err;
  }
}

/** An expression of the clock alone (current_timestamp) is a fair column; literals only are a constant's job. */
function readsNothingOk(expr: FilterExpr): boolean {
  return expr.kind === 'call' && (expr.fn === 'current_date' || expr.fn === 'current_timestamp');
}

const TEXT: NeutralType = { kind: 'text' };
const NUMERIC_RANK: Record<string, number> = { int8: 1, int16: 1, int32: 1, int64: 1, uint8: 1, uint16: 1, uint32: 1, uint64: 1, decimal: 2, float32: 3, float64: 3 };
const TEXT_RESULT = new Set(['concat', 'concat_ws', 'replace', 'left', 'right', 'lpad', 'rpad', 'ltrim', 'rtrim', 'btrim', 'initcap', 'reverse', 'repeat', 'split_part', 'md5', 'sha2', 'to_char', 'date_format', 'hex', 'printf', 'strftime', 'time', 'lower', 'upper', 'trim', 'substring']);
const INT_RESULT = new Set(['strpos', 'locate', 'instr', 'unicode', 'year', 'month', 'day', 'datediff', 'sign', 'char_length']);
const FIRST_ARG = new Set(['nullif', 'ifnull', 'coalesce', 'greatest', 'least', 'abs', 'floor', 'ceil', 'ceiling', 'trunc', 'truncate', 'mod']);

/** The wider of two numeric types (whole numbers < decimal < float); anything else: the first. */
function widerNumber(a: NeutralType, b: NeutralType): NeutralType {
  const ra = NUMERIC_RANK[a.kind];
  const rb = NUMERIC_RANK[b.kind];
  if (ra === undefined || rb === undefined) return ra === undefined && rb !== undefined ? b : a;
  if (ra === 1 && rb === 1) return { kind: 'int64' };
  if (ra >= rb) return ra === 2 ? { kind: 'decimal' } : ra === 3 ? { kind: 'float64' } : a;
  return rb === 2 ? { kind: 'decimal' } : { kind: 'float64' };
}

/**
 * The type an expression gives, worked out from its shape and its columns' types: text for
 * text functions and ||, whole numbers for counts and positions, the wider operand for
 * arithmetic, the cast's type for CAST, a condition as bool. Only used where the source cannot
 * say (SQLite); `set.type` overrides it.
 */
export function inferType(expr: FilterExpr, columns: Map<string, NeutralType>): NeutralType {
  const of = (e: FilterExpr): NeutralType => inferType(e, columns);
  switch (expr.kind) {
    case 'column':
      return columns.get(expr.name) ?? TEXT;
    case 'string':
      return TEXT;
    case 'number':
      return /^-?\d+$/.test(expr.text) ? { kind: 'int64' } : /e/i.test(expr.text) ? { kind: 'float64' } : { kind: 'decimal' };
    case 'bool':
      return { kind: 'bool' };
    case 'null':
      return TEXT;
    case 'negate':
      return of(expr.expr);
    case 'arith':
      return widerNumber(of(expr.left), of(expr.right));
    case 'concat':
      return TEXT;
    case 'case': {
      const branches = [...expr.whens.map((w) => w.then), ...(expr.else ? [expr.else] : [])].filter((e) => e.kind !== 'null');
      return branches.length ? branches.map(of).reduce(widerNumber) : TEXT;
    }
    case 'cast': {
      const t = expr.type;
      if (t.kind === 'integer') return { kind: t.name === 'BIGINT' ? 'int64' : t.name === 'SMALLINT' ? 'int16' : 'int32' };
      if (t.kind === 'decimal') return { kind: 'decimal', ...(t.precision !== undefined && { precision: t.precision }), ...(t.scale !== undefined && { scale: t.scale }) } as NeutralType;
      if (t.kind === 'float') return { kind: 'float64' };
      if (t.kind === 'text') return t.length !== undefined ? { kind: 'string', length: t.length } : TEXT;
      return { kind: t.kind };
    }
    case 'extract':
      return { kind: 'int32' };
    case 'call':
    case 'function': {
      const name = expr.kind === 'call' ? expr.fn : expr.name;
      if (name === 'date') return { kind: 'date' };
      if (name === 'current_date') return { kind: 'date' };
      if (name === 'current_timestamp' || name === 'datetime') return { kind: 'timestamp' };
      if (name === 'julianday' || name === 'power' || name === 'sqrt' || name === 'round') return { kind: 'float64' };
      if (name === 'iif' || name === 'if') return expr.args.slice(1).filter((a) => a.kind !== 'null').map(of).reduce(widerNumber, of(expr.args[1] as FilterExpr));
      if (TEXT_RESULT.has(name)) return TEXT;
      if (INT_RESULT.has(name)) return { kind: 'int64' };
      if (FIRST_ARG.has(name)) {
        const typed = expr.args.filter((a) => a.kind !== 'null').map(of);
        return typed.length ? typed.reduce(widerNumber) : TEXT;
      }
      return TEXT;
    }
    default:
      return { kind: 'bool' };
  }
}

export interface ResolveExpressionsInput {
  dialect: DialectName;
  /** The source's introspector: asked for each expression's type where it can tell (describeExpressions). */
  introspector: Pick<Introspector, 'describeExpressions'>;
  table: TableRef;
  /** Every column of the source table. */
  columns: NeutralColumn[];
  transforms: ColumnTransform[];
}

/**
 * Checks each `set.expr` of a table's transforms and asks the source what it gives (a query
 * that reads no row), for planTransforms. A refused expression, or one the source cannot
 * evaluate, is a TransformError on `transforms[j].set.expr` naming the reason; a source that
 * cannot be reached rejects as it does (retried like any plan).
 */
export async function resolveExpressions(input: ResolveExpressionsInput): Promise<Map<string, ResolvedExpression>> {
  const resolved = new Map<string, ResolvedExpression>();
  for (const [j, t] of input.transforms.entries()) {
    const expression = t.set?.expr;
    if (expression === undefined) continue;
    const field = `transforms[${j}].set.expr`;
    let checked: ValidatedExpression;
    try {
      checked = validateColumnExpression({ dialect: input.dialect, expression, columns: input.columns });
    } catch (error) {
      if (error instanceof FilterError) throw new TransformError(field, error.message.replace(/^filter: /, ''));
      throw error;
    }
    const describe = input.introspector.describeExpressions?.bind(input.introspector);
    if (!describe) {
      resolved.set(t.column, { sql: checked.sql, type: checked.inferred, nativeType: '' });
      continue;
    }
    let described: NeutralColumn | undefined;
    try {
      [described] = await describe(input.table, [{ name: t.column, sql: checked.sql }]);
    } catch (error) {
      if (error instanceof DbError && !error.transient) throw new TransformError(field, `the source cannot evaluate it: ${error.message}`);
      throw error;
    }
    if (!described) throw new TransformError(field, 'the source described no column for it');
    resolved.set(t.column, { sql: checked.sql, type: described.type, nativeType: described.nativeType });
  }
  return resolved;
}
