import type { FilterDialect } from '@dbferry/dialects-core';
import { FilterError } from './filter-error';

export const FILTER_MAX_LENGTH = 4000;

/** Characters allowed outside quotes; everything else (|, &, ~, ^, {, }, non-ASCII…) is refused. */
const PLAIN = /[A-Za-z0-9_ \t\r\n().,+\-*/%=<>!]/;
const WORD_START = /[A-Za-z_]/;
const WORD_CHAR = /[A-Za-z0-9_.]/;
// Bidirectional overrides and isolates (Trojan Source), the BOM and the line/paragraph separators.
const INVISIBLE = /[\u202A-\u202E\u2066-\u2069\uFEFF\u2028\u2029]/;

const REFUSED_WORDS: Record<string, { reason: 'subquery' | 'set-operation' | 'statement'; detail: string }> = {
  SELECT: { reason: 'subquery', detail: 'subqueries are not allowed (SELECT)' },
  EXISTS: { reason: 'subquery', detail: 'subqueries are not allowed (EXISTS)' },
  TABLE: { reason: 'subquery', detail: 'subqueries are not allowed (TABLE)' },
  VALUES: { reason: 'subquery', detail: 'subqueries are not allowed (VALUES)' },
  UNION: { reason: 'set-operation', detail: 'UNION is not allowed' },
  INTERSECT: { reason: 'set-operation', detail: 'INTERSECT is not allowed' },
  EXCEPT: { reason: 'set-operation', detail: 'EXCEPT is not allowed' },
  MINUS: { reason: 'set-operation', detail: 'MINUS is not allowed' },
  INTO: { reason: 'statement', detail: 'INTO is not allowed' },
};
// SQL Server runs `... WHERE 1=1 DROP TABLE x` as two statements, without any ';'.
for (const w of ['DROP', 'DELETE', 'INSERT', 'UPDATE', 'CREATE', 'ALTER', 'TRUNCATE', 'EXEC', 'EXECUTE', 'DECLARE', 'GRANT', 'REVOKE', 'MERGE', 'WAITFOR', 'SHUTDOWN']) {
  REFUSED_WORDS[w] = { reason: 'statement', detail: `${w} is not allowed: a filter is one expression, not a statement` };
}

function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function checkQuotedChar(ch: string, inString: boolean): void {
  if (ch === '\0') throw new FilterError('character', 'NUL bytes are not allowed');
  const code = ch.charCodeAt(0);
  const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
  if ((control && !(inString && (ch === '\t' || ch === '\n' || ch === '\r'))) || INVISIBLE.test(ch)) {
    throw new FilterError('character', `character ${codePoint(ch)} is not allowed`);
  }
}

/**
 * Reads the raw text with the dialect's quoting rules before any parser sees it, so that
 * statement separators, comments, variables and odd characters are refused even where the
 * parser would have been lenient. Quotes are only allowed in the dialect's own style.
 */
export function scanFilterText(
  syntax: Pick<FilterDialect, 'identifierQuotes' | 'doubleQuoteRefusal' | 'nationalStrings' | 'hashComments'>,
  text: string,
  options: { pipes?: boolean } = {},
): void {
  if (text.length > FILTER_MAX_LENGTH) {
    throw new FilterError('too-long', `is ${text.length} characters long, the limit is ${FILTER_MAX_LENGTH}`);
  }
  if (text.trim() === '') throw new FilterError('empty', 'is empty');

  let i = 0;
  const n = text.length;
  const readQuoted = (close: string, what: string, inString: boolean): void => {
    const start = i;
    i++;
    for (;;) {
      if (i >= n) throw new FilterError('quote', `unbalanced ${what} starting at character ${start + 1}`);
      const ch = text[i];
      if (ch === close) {
        if (text[i + 1] === close) {
          i += 2;
          continue;
        }
        i++;
        return;
      }
      // Whether '\' escapes depends on the server (MySQL sql_mode, PostgreSQL
      // standard_conforming_strings) and node-sql-parser always decodes it: refuse it everywhere.
      if (ch === '\\') throw new FilterError('backslash', 'backslashes are not allowed (escape rules differ between databases and settings)');
      checkQuotedChar(ch, inString);
      i++;
    }
  };

  while (i < n) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === "'") {
      const prev = i > 0 ? text[i - 1] : '';
      if (/[A-Za-z_]/.test(prev) && !(syntax.nationalStrings && /^[Nn]$/.test(prev) && !/[A-Za-z0-9_]/.test(text[i - 2] ?? ''))) {
        throw new FilterError('literal', `prefixed string literals (E'…', X'…', N'…') are not allowed`);
      }
      readQuoted("'", 'single quote', true);
      continue;
    }
    if (ch === '"') {
      if (!syntax.identifierQuotes.includes('"')) {
        throw new FilterError('quote', syntax.doubleQuoteRefusal ?? 'double quotes are not allowed');
      }
      readQuoted('"', 'double quote', false);
      continue;
    }
    if (ch === '`') {
      if (!syntax.identifierQuotes.includes('`')) throw new FilterError('quote', 'backtick quoting is only for MySQL: quote column names with "double quotes"');
      readQuoted('`', 'backtick', false);
      continue;
    }
    if (ch === '[' && syntax.identifierQuotes.includes('[')) {
      readQuoted(']', 'bracket', false);
      continue;
    }
    if ((ch === '-' && next === '-') || (ch === '/' && next === '*') || (ch === '*' && next === '/')) {
      throw new FilterError('comment', `comments are not allowed (${ch}${next})`);
    }
    if (ch === '#') {
      if (syntax.hashComments) throw new FilterError('comment', 'comments are not allowed (#)');
      throw new FilterError('character', "character '#' is not allowed");
    }
    if (ch === ';') throw new FilterError('statement', "must be a single expression: ';' is not allowed");
    // A transform expression's `||` (the parser and the dialect's ExpressionDialect decide what it means).
    if (options.pipes && ch === '|' && next === '|') {
      i += 2;
      continue;
    }
    if (ch === '\\') throw new FilterError('backslash', 'backslashes are not allowed outside quoted text');
    if (ch === ':' && next === ':') throw new FilterError('cast', 'use CAST(x AS type) instead of ::');
    if (ch === '@' || ch === '$' || ch === ':' || ch === '?') {
      throw new FilterError('variable', `variables and bind parameters are not allowed (${ch})`);
    }
    if (ch === '\0') throw new FilterError('character', 'NUL bytes are not allowed');
    if (WORD_START.test(ch) || /[0-9]/.test(ch)) {
      const start = i;
      while (i < n && WORD_CHAR.test(text[i])) i++;
      // Words are split on '.', so `information_schema.tables` shows both parts.
      for (const word of text.slice(start, i).split('.')) {
        const refused = WORD_START.test(word[0] ?? '') ? REFUSED_WORDS[word.toUpperCase()] : undefined;
        if (refused) throw new FilterError(refused.reason, refused.detail);
      }
      continue;
    }
    if (!PLAIN.test(ch)) {
      const whole = String.fromCodePoint(text.codePointAt(i) ?? 0);
      const printable = ch.charCodeAt(0) >= 0x21 && ch.charCodeAt(0) < 0x7f;
      throw new FilterError(
        'character',
        printable ? `character '${ch}' is not allowed` : `character ${codePoint(whole)} is not allowed outside quoted text`,
      );
    }
    i++;
  }
}
