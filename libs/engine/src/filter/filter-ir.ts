/** The validated filter, independent of the grammar it was parsed with. */
export type CompareOp = '=' | '<>' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
import type { FilterCastType, FilterDatePart, FilterFunction as DialectFilterFunction } from '@dbferry/dialects-core';

// The functions, date parts and cast types each dialect renders (its SqlStyle.filter).
export type DatePart = FilterDatePart;
export type FilterFunction = DialectFilterFunction;
export type CastType = FilterCastType;

export type FilterExpr =
  | { kind: 'column'; name: string }
  | { kind: 'string'; value: string; national: boolean }
  | { kind: 'number'; text: string }
  | { kind: 'bool'; value: boolean }
  | { kind: 'null' }
  | { kind: 'logical'; op: 'AND' | 'OR'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; expr: FilterExpr }
  | { kind: 'compare'; op: CompareOp; left: FilterExpr; right: FilterExpr }
  | { kind: 'arith'; op: ArithOp; left: FilterExpr; right: FilterExpr }
  | { kind: 'negate'; expr: FilterExpr }
  | { kind: 'is'; expr: FilterExpr; negated: boolean; value: 'NULL' | 'TRUE' | 'FALSE' }
  | { kind: 'in'; expr: FilterExpr; negated: boolean; list: FilterExpr[] }
  | { kind: 'between'; expr: FilterExpr; negated: boolean; low: FilterExpr; high: FilterExpr }
  | { kind: 'like'; expr: FilterExpr; negated: boolean; pattern: string; escape?: string }
  | { kind: 'call'; fn: FilterFunction; args: FilterExpr[] }
  | { kind: 'extract'; part: DatePart; source: FilterExpr }
  | { kind: 'cast'; expr: FilterExpr; type: CastType }
  // Transform expressions only (FilterBuilder with an ExpressionDialect): text concatenation
  // with `||`, CASE, and a function of the dialect's expression allowlist by its listed name.
  | { kind: 'concat'; left: FilterExpr; right: FilterExpr }
  | { kind: 'case'; whens: { when: FilterExpr; then: FilterExpr }[]; else?: FilterExpr }
  | { kind: 'function'; name: string; args: FilterExpr[] };

const CONDITIONS = new Set<FilterExpr['kind']>(['logical', 'not', 'compare', 'is', 'in', 'between', 'like']);

/** A node whose value is a truth value by construction (not a column or literal that may be one). */
export function isCondition(e: FilterExpr): boolean {
  return CONDITIONS.has(e.kind);
}
