import { DIALECT_NAMES, type DialectName } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';
import { short } from './filter-ast';
import { FilterBuilder } from './filter-builder';
import { FilterError } from './filter-error';
import { GRAMMAR_READS, parseWhere } from './filter-grammar';
import { renderFilter } from './filter-render';
import { FILTER_MAX_LENGTH, scanFilterText } from './filter-scan';

export interface ValidatedFilter {
  /** The expression re-rendered in the dialect's SQL, every column quoted by that dialect. */
  sql: string;
  /** Columns referenced, with the exact names from the table, in order of first use. */
  columns: string[];
}

export interface FilterInput {
  dialect: DialectName;
  filter: string;
  columns: string[];
}

// A filter goes: scan (filter-scan: characters, quotes, refused words) → parse (filter-grammar:
// node-sql-parser, one WHERE) → convert (filter-builder: the allowed subset as filter-ir) →
// render (filter-render: the dialect's SqlStyle). User text never reaches the output.

/**
 * Accepts a job's row filter only as one boolean expression over the table's own columns and
 * returns it re-rendered for the source dialect. Throws FilterError (an HTTP 400) otherwise.
 */
export function validateFilter(input: FilterInput): ValidatedFilter {
  const { dialect, filter, columns } = input;
  if (!(DIALECT_NAMES as readonly string[]).includes(dialect)) throw new FilterError('unsupported', `unknown dialect ${short(String(dialect))}`);
  if (typeof filter !== 'string') throw new FilterError('empty', 'must be a string');
  const style = sqlStyleOf(dialect);
  scanFilterText(style.filter, filter);
  const where = parseWhere(style.filter.grammar, style.label, filter);
  try {
    const builder = new FilterBuilder(style, GRAMMAR_READS[style.filter.grammar], columns);
    const expr = builder.condition(where);
    return { sql: renderFilter(dialect, expr), columns: builder.referenced };
  } catch (err) {
    // 4000 characters of `1+1+…` is a deep tree; a stack overflow must still be a 400.
    if (err instanceof RangeError) throw new FilterError('syntax', 'is nested too deeply');
    throw err;
  }
}

/** The rules in a few lines, for the API documentation and 400 responses. */
export function describeFilterRules(): string {
  return [
    `A filter is one boolean expression over the table's own columns, at most ${FILTER_MAX_LENGTH} characters, written in the source database's syntax.`,
    'Allowed: comparisons (= <> != < <= > >=), AND / OR / NOT, IS [NOT] NULL, [NOT] IN (literal list), [NOT] BETWEEN, [NOT] LIKE with a string pattern,',
    "arithmetic (+ - * / %), parentheses, 'text', numbers, TRUE / FALSE / NULL, CAST(x AS integer|decimal|float|varchar|date|timestamp),",
    'and the functions lower, upper, length, char_length, coalesce, abs, round, trim, substring, substr, date, current_date, current_timestamp, now, extract, date_part.',
    "Quote column names the source's way: \"name\" (PostgreSQL, Oracle, SQLite, SQL Server), `name` (MySQL), [name] (SQL Server).",
    'Refused: several statements or ;, comments, subqueries and EXISTS, UNION, INTO, other functions, unknown or qualified columns (t.col),',
    'variables and bind parameters (@x, @@x, $1, :x, ?), backslashes outside text (and anywhere in MySQL text), NUL and invisible control characters.',
    'The stored filter is re-rendered by dbferry with every column quoted; the text you sent is never run as is.',
  ].join('\n');
}
