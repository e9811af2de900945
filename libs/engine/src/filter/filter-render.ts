import type { DialectName } from '@dbferry/dialects-core';
import { FilterError } from './filter-error';
import type { CastType, DatePart, FilterExpr } from './filter-ir';

/** How one dialect spells the few things a filter may contain. Data, not branches on the name. */
interface FilterSqlStyle {
  label: string;
  quoteIdent(name: string): string;
  quoteString(value: string, national: boolean): string;
  /** False where a boolean is not a value (SQL Server, Oracle): TRUE becomes 1 or 1 = 1. */
  booleanValues: boolean;
  call(fn: Extract<FilterExpr, { kind: 'call' }>['fn'], args: string[]): string;
  extract(part: DatePart, source: string): string;
  cast(expr: string, type: CastType): string;
  /** Oracle has no % operator. */
  modulo(left: string, right: string): string | undefined;
}

const doubled = (open: string, close: string) => (name: string) => {
  if (name.includes('\0')) throw new FilterError('column', 'column names with NUL bytes cannot be quoted');
  return `${open}${name.split(close).join(close + close)}${close}`;
};
const plainString = (value: string) => `'${value.split("'").join("''")}'`;

const STRFTIME: Record<DatePart, string> = { YEAR: '%Y', MONTH: '%m', DAY: '%d', HOUR: '%H', MINUTE: '%M', SECOND: '%S' };

function decimal(type: Extract<CastType, { kind: 'decimal' }>, name: string): string {
  if (type.precision === undefined) return name;
  return type.scale === undefined ? `${name}(${type.precision})` : `${name}(${type.precision}, ${type.scale})`;
}

function arity(fn: string, args: string[], dialect: string): void {
  if (fn === 'substring' && args.length < 3) {
    throw new FilterError('function', `function substring needs a length (3 arguments) on ${dialect}`);
  }
}

const STYLES: Record<DialectName, FilterSqlStyle> = {
  postgres: {
    label: 'PostgreSQL',
    quoteIdent: doubled('"', '"'),
    // E'' keeps a backslash literal whatever standard_conforming_strings says.
    quoteString: (v) => (v.includes('\\') ? `E'${v.split('\\').join('\\\\').split("'").join("''")}'` : plainString(v)),
    booleanValues: true,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `CHAR_LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTR(${a.join(', ')})`;
        case 'date':
          return `CAST(${a[0]} AS DATE)`;
        case 'current_date':
          return 'CURRENT_DATE';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `EXTRACT(${part} FROM ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS ${t.name})`;
        case 'decimal':
          return `CAST(${expr} AS ${decimal(t, 'NUMERIC')})`;
        case 'float':
          return `CAST(${expr} AS DOUBLE PRECISION)`;
        case 'text':
          return `CAST(${expr} AS ${t.length !== undefined ? `VARCHAR(${t.length})` : 'TEXT'})`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS TIMESTAMP)`;
      }
    },
    modulo: () => undefined,
  },
  mysql: {
    label: 'MySQL',
    quoteIdent: doubled('`', '`'),
    // NO_BACKSLASH_ESCAPES is off by default, so a backslash is an escape character there.
    quoteString: (v) => `'${v.split('\\').join('\\\\').split("'").join("''")}'`,
    booleanValues: true,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `CHAR_LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTRING(${a.join(', ')})`;
        case 'date':
          return `DATE(${a[0]})`;
        case 'current_date':
          return 'CURRENT_DATE';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `EXTRACT(${part} FROM ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS SIGNED)`;
        case 'decimal':
          return `CAST(${expr} AS ${decimal(t, 'DECIMAL')})`;
        case 'float':
          return `CAST(${expr} AS DOUBLE)`;
        case 'text':
          return `CAST(${expr} AS ${t.length !== undefined ? `CHAR(${t.length})` : 'CHAR'})`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS DATETIME)`;
      }
    },
    modulo: () => undefined,
  },
  mssql: {
    label: 'SQL Server',
    quoteIdent: doubled('[', ']'),
    quoteString: (v, national) => `${national ? 'N' : ''}${plainString(v)}`,
    booleanValues: false,
    call(fn, a) {
      arity(fn, a, 'SQL Server');
      switch (fn) {
        case 'char_length':
          return `LEN(${a[0]})`;
        case 'round':
          return `ROUND(${a[0]}, ${a[1] ?? '0'})`;
        case 'trim':
          return `LTRIM(RTRIM(${a[0]}))`;
        case 'substring':
          return `SUBSTRING(${a.join(', ')})`;
        case 'date':
          return `CAST(${a[0]} AS DATE)`;
        case 'current_date':
          return 'CAST(GETDATE() AS DATE)';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `DATEPART(${part}, ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS ${t.name === 'INTEGER' ? 'INT' : t.name})`;
        case 'decimal':
          return `CAST(${expr} AS ${decimal(t, 'DECIMAL')})`;
        case 'float':
          return `CAST(${expr} AS FLOAT)`;
        case 'text':
          // NVARCHAR without a length means 30 characters in CAST.
          return `CAST(${expr} AS NVARCHAR(${t.length !== undefined && t.length <= 4000 ? t.length : 'MAX'}))`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS DATETIME2)`;
      }
    },
    modulo: () => undefined,
  },
  oracle: {
    label: 'Oracle',
    quoteIdent: doubled('"', '"'),
    quoteString: (v) => plainString(v),
    booleanValues: false,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTR(${a.join(', ')})`;
        case 'date':
          return `TRUNC(${a[0]})`;
        case 'current_date':
          return 'TRUNC(SYSDATE)';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `EXTRACT(${part} FROM ${src})`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS INTEGER)`;
        case 'decimal':
          return `CAST(${expr} AS ${decimal(t, 'NUMBER')})`;
        case 'float':
          return `CAST(${expr} AS BINARY_DOUBLE)`;
        case 'text':
          return `CAST(${expr} AS VARCHAR2(${t.length ?? 4000}))`;
        case 'date':
          return `CAST(${expr} AS DATE)`;
        case 'timestamp':
          return `CAST(${expr} AS TIMESTAMP)`;
      }
    },
    modulo: (l, r) => `MOD(${l}, ${r})`,
  },
  sqlite: {
    label: 'SQLite',
    quoteIdent: doubled('"', '"'),
    quoteString: (v) => plainString(v),
    booleanValues: true,
    call(fn, a) {
      switch (fn) {
        case 'char_length':
          return `LENGTH(${a[0]})`;
        case 'substring':
          return `SUBSTR(${a.join(', ')})`;
        case 'date':
          return `DATE(${a[0]})`;
        case 'current_date':
          return 'CURRENT_DATE';
        case 'current_timestamp':
          return 'CURRENT_TIMESTAMP';
        default:
          return `${fn.toUpperCase()}(${a.join(', ')})`;
      }
    },
    extract: (part, src) => `CAST(STRFTIME('${STRFTIME[part]}', ${src}) AS INTEGER)`,
    cast(expr, t) {
      switch (t.kind) {
        case 'integer':
          return `CAST(${expr} AS INTEGER)`;
        case 'decimal':
          return `CAST(${expr} AS NUMERIC)`;
        case 'float':
          return `CAST(${expr} AS REAL)`;
        case 'text':
          return `CAST(${expr} AS TEXT)`;
        // CAST(x AS DATE) has NUMERIC affinity in SQLite: '2024-01-31' would become 2024.
        case 'date':
          return `DATE(${expr})`;
        case 'timestamp':
          return `DATETIME(${expr})`;
      }
    },
    modulo: () => undefined,
  },
};

/** The dialect's identifier and string quoting, for SQL the engine writes itself (watermarks, key lists). */
export function quotingFor(dialect: DialectName): Pick<FilterSqlStyle, 'quoteIdent' | 'quoteString'> {
  const style = STYLES[dialect];
  return { quoteIdent: style.quoteIdent, quoteString: style.quoteString };
}

export function dialectLabel(dialect: DialectName): string {
  return STYLES[dialect].label;
}

export function hasBooleanValues(dialect: DialectName): boolean {
  return STYLES[dialect].booleanValues;
}

// Binding strength, loosest first; a child looser than its slot gets parentheses.
const OR = 1;
const AND = 2;
const NOT = 3;
const PREDICATE = 4;
const ADD = 5;
const MUL = 6;
const NEG = 7;
const ATOM = 9;

interface Sql {
  sql: string;
  prec: number;
}

const wrap = (r: Sql, min: number): string => (r.prec < min ? `(${r.sql})` : r.sql);

/** Renders a validated filter; user text never reaches the output, only values taken from it. */
export function renderFilter(dialect: DialectName, expr: FilterExpr): string {
  const style = STYLES[dialect];
  const lit = (v: string) => style.quoteString(v, false);

  const value = (e: FilterExpr): Sql => render(e, false);
  const condition = (e: FilterExpr): Sql => render(e, true);

  function render(e: FilterExpr, asCondition: boolean): Sql {
    switch (e.kind) {
      case 'column':
        return { sql: style.quoteIdent(e.name), prec: ATOM };
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
          const mod = style.modulo(l.sql, r.sql);
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
        return { sql: style.call(e.fn, e.args.map((a) => value(a).sql)), prec: ATOM };
      case 'extract':
        return { sql: style.extract(e.part, value(e.source).sql), prec: ATOM };
      case 'cast':
        return { sql: style.cast(value(e.expr).sql, e.type), prec: ATOM };
    }
  }

  return condition(expr).sql;
}
