import type { DialectName } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { FilterError } from './filter-error';
import type { FilterExpr } from './filter-ir';

// Binding strength, loosest first; a child looser than its slot gets parentheses.
const OR = 1;
const AND = 2;
const NOT = 3;
const PREDICATE = 4;
const ADD = 5;
const MUL = 6;
// Below + so that arithmetic and comparisons parenthesise a || chain they hold.
const CONCAT = 4.5;
const NEG = 7;
const ATOM = 9;

interface Sql {
  sql: string;
  prec: number;
}

const wrap = (r: Sql, min: number): string => (r.prec < min ? `(${r.sql})` : r.sql);

/** Renders a validated filter; user text never reaches the output, only values taken from it. */
export function renderFilter(dialect: DialectName, expr: FilterExpr, asValue = false): string {
  const style = sqlStyleOf(dialect);
  const lit = (v: string) => style.quoteString(v, false);
  const ident = (name: string) => {
    if (name.includes('\0')) throw new FilterError('column', 'column names with NUL bytes cannot be quoted');
    return style.quoteIdent(name);
  };

  const value = (e: FilterExpr): Sql => render(e, false);
  const condition = (e: FilterExpr): Sql => render(e, true);

  function render(e: FilterExpr, asCondition: boolean): Sql {
    switch (e.kind) {
      case 'column':
        return { sql: ident(e.name), prec: ATOM };
      case 'string':
        return { sql: style.quoteString(e.value, e.national), prec: ATOM };
      case 'number':
        return { sql: e.text, prec: ATOM };
      case 'null':
        return { sql: 'NULL', prec: ATOM };
      case 'bool':
        if (style.booleanValues) return { sql: e.value ? 'TRUE' : 'FALSE', prec: ATOM };
        return asCondition ? { sql: e.value ? '1 = 1' : '1 = 0', prec: PREDICATE } : { sql: e.value ? '1' : '0', prec: ATOM };
      case 'logical': {
        const p = e.op === 'AND' ? AND : OR;
        return { sql: `${wrap(condition(e.left), p)} ${e.op} ${wrap(condition(e.right), p)}`, prec: p };
      }
      case 'not': {
        const inner = condition(e.expr);
        return { sql: `NOT ${inner.prec === ATOM ? inner.sql : `(${inner.sql})`}`, prec: NOT };
      }
      case 'compare':
        return { sql: `${wrap(value(e.left), ADD)} ${e.op} ${wrap(value(e.right), ADD)}`, prec: PREDICATE };
      case 'arith': {
        const l = value(e.left);
        const r = value(e.right);
        if (e.op === '%') {
          const mod = style.filter.modulo?.(l.sql, r.sql);
          if (mod !== undefined) return { sql: mod, prec: ATOM };
        }
        const p = e.op === '+' || e.op === '-' ? ADD : MUL;
        return { sql: `${wrap(l, p)} ${e.op} ${wrap(r, p + 1)}`, prec: p };
      }
      case 'negate': {
        const inner = wrap(value(e.expr), NEG);
        // Never emit "--": that would start a comment.
        return { sql: `-${inner.startsWith('-') ? `(${inner})` : inner}`, prec: NEG };
      }
      case 'is': {
        if (e.value !== 'NULL' && !style.booleanValues) {
          throw new FilterError('operator', `IS ${e.negated ? 'NOT ' : ''}${e.value} is not supported on ${style.label}; compare with = 1 or = 0`);
        }
        return { sql: `${wrap(value(e.expr), ADD)} IS ${e.negated ? 'NOT ' : ''}${e.value}`, prec: PREDICATE };
      }
      case 'in':
        return {
          sql: `${wrap(value(e.expr), ADD)} ${e.negated ? 'NOT IN' : 'IN'} (${e.list.map((x) => value(x).sql).join(', ')})`,
          prec: PREDICATE,
        };
      case 'between':
        return {
          sql: `${wrap(value(e.expr), ADD)} ${e.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${wrap(value(e.low), ADD)} AND ${wrap(value(e.high), ADD)}`,
          prec: PREDICATE,
        };
      case 'like': {
        const escape = e.escape !== undefined ? ` ESCAPE ${lit(e.escape)}` : '';
        return { sql: `${wrap(value(e.expr), ADD)} ${e.negated ? 'NOT LIKE' : 'LIKE'} ${lit(e.pattern)}${escape}`, prec: PREDICATE };
      }
      case 'call':
        if (e.fn === 'substring' && e.args.length < 3 && style.filter.substringNeedsLength) {
          throw new FilterError('function', `function substring needs a length (3 arguments) on ${style.label}`);
        }
        return { sql: style.filter.call(e.fn, e.args.map((a) => value(a).sql)), prec: ATOM };
      case 'extract':
        return { sql: style.filter.extract(e.part, value(e.source).sql), prec: ATOM };
      case 'cast':
        return { sql: style.filter.cast(value(e.expr).sql, e.type), prec: ATOM };
      case 'concat':
      {
        // || binds looser than + in PostgreSQL and tighter than * in SQLite: anything but a value
        // or a left-hand || goes in parentheses, so both read it alike.
        const left = value(e.left);
        const right = value(e.right);
        const part = (r: Sql, chain: boolean) => (r.prec >= NEG || (chain && e.left.kind === 'concat') ? r.sql : `(${r.sql})`);
        return { sql: `${part(left, true)} || ${part(right, false)}`, prec: CONCAT };
      }
      case 'case': {
        const whens = e.whens.map((w) => `WHEN ${condition(w.when).sql} THEN ${value(w.then).sql}`).join(' ');
        return { sql: `CASE ${whens}${e.else ? ` ELSE ${value(e.else).sql}` : ''} END`, prec: ATOM };
      }
      case 'function':
        // The name is the allowlist's own (checked by the builder), never the user's spelling.
        return { sql: `${e.name.toUpperCase()}(${e.args.map((a) => value(a).sql).join(', ')})`, prec: ATOM };
    }
  }

  return asValue ? value(expr).sql : condition(expr).sql;
}

/** Renders a validated transform expression as a value (a condition only where it is one). */
export function renderExpression(dialect: DialectName, expr: FilterExpr): string {
  return renderFilter(dialect, expr, true);
}
