import { type NeutralColumn, type NeutralType, type NeutralValue, type TableRef, TerminalDbError, type ValueLossCounter } from '@dbferry/dialects-core';
import { qualify, quoteId } from './mysql.sql';
import { INTEGER, jsonText, mysqlTimeText, numberLiteral, PLAIN_DECIMAL } from './mysql.values';

/**
 * `LOAD DATA LOCAL INFILE` from a stream the writer fills (mysql2's infileStreamFactory): the
 * rows go as tab-separated lines in the server's default escaping, each field the text the
 * multi-row INSERT path would have written as a literal (mysql.values.ts `sqlLiteral`), so both
 * paths store the same values. Binary columns travel as hex and BIT columns as binary digits,
 * each turned back by a SET expression, so no byte depends on the file's character set.
 *
 * LOAD DATA LOCAL turns value errors and duplicate keys into warnings (the server cannot stop
 * the client's stream); the writer reads them after the statement and fails the write on any
 * warning, so the result is as strict as the INSERT path (`loadDataWarningError`).
 */

export type FieldText = (value: Exclude<NeutralValue, null>) => string;

type Kind = NeutralType['kind'];
const NUMERIC_KINDS = new Set<Kind>(['bool', 'decimal', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64']);
const INTEGER_KINDS = new Set<Kind>(['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64']);

/** How a column's field reaches it: as is, as hex through UNHEX(), or as binary digits through CONV(). */
type Transport = 'text' | 'hex' | 'bits';

function transportOf(kind: Kind): Transport {
  if (kind === 'binary' || kind === 'blob') return 'hex';
  if (kind === 'bit') return 'bits';
  return 'text';
}

function bufferAsText(value: Buffer, column: string): string {
  const text = value.toString('utf8');
  // The INSERT path sends the bytes themselves; UTF-8 text that round-trips is the same bytes.
  if (!Buffer.from(text, 'utf8').equals(value)) throw new TerminalDbError('data', `column ${column}: binary data that is not UTF-8 text`, { column });
  return text;
}

function stringField(kind: Kind, value: string, column: string, losses?: ValueLossCounter): string {
  switch (kind) {
    case 'bool':
      if (value === '1' || value === 't' || value === 'true') return '1';
      if (value === '0' || value === 'f' || value === 'false') return '0';
      return value;
    case 'decimal':
    case 'float32':
    case 'float64':
      return PLAIN_DECIMAL.test(value) ? value.replace(/^\+/, '') : value;
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return mysqlTimeText(kind, value, column, losses);
    case 'bit':
      if (!/^[01]*$/.test(value)) throw new TerminalDbError('data', `column ${column}: ${JSON.stringify(value.slice(0, 80))} is not a string of bits`, { column });
      return value === '' ? '0' : value;
    default:
      return INTEGER_KINDS.has(kind) && INTEGER.test(value) ? value.replace(/^\+/, '') : value;
  }
}

export function fieldText(column: NeutralColumn, losses?: ValueLossCounter): FieldText {
  const kind = column.type.kind;
  const name = column.name;
  const transport = transportOf(kind);
  return (value) => {
    if (typeof value === 'string') return transport === 'hex' ? Buffer.from(value, 'utf8').toString('hex') : stringField(kind, value, name, losses);
    if (typeof value === 'boolean') return value ? '1' : '0';
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') return NUMERIC_KINDS.has(kind) ? numberLiteral(value, name, kind) : String(value);
    if (Buffer.isBuffer(value)) return transport === 'hex' ? value.toString('hex') : bufferAsText(value, name);
    if (Array.isArray(value)) return kind === 'set' ? value.map((v) => String(v)).join(',') : jsonText(value);
    return String(value);
  };
}

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_ALL = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };

/** A field in LOAD DATA's default format (ESCAPED BY '\\'): the escape character, tab, newline, CR and NUL escaped. */
export function escapeLoadField(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string) : text;
}

/** The statement for `columns` in this order (the file name is only what the server hands back to the stream factory). */
export function loadDataSql(table: TableRef, columns: NeutralColumn[]): string {
  const targets: string[] = [];
  const sets: string[] = [];
  columns.forEach((column, i) => {
    const transport = transportOf(column.type.kind);
    if (transport === 'text') {
      targets.push(quoteId(column.name));
      return;
    }
    const variable = `@dbferry_${i}`;
    targets.push(variable);
    sets.push(transport === 'hex' ? `${quoteId(column.name)} = UNHEX(${variable})` : `${quoteId(column.name)} = CAST(CONV(${variable}, 2, 10) AS UNSIGNED)`);
  });
  return (
    `LOAD DATA LOCAL INFILE 'dbferry-rows' INTO TABLE ${qualify(table)} CHARACTER SET utf8mb4 ` +
    `FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (${targets.join(', ')})` +
    (sets.length ? ` SET ${sets.join(', ')}` : '')
  );
}

/**
 * Rows → LOAD DATA lines, gathered into text chunks: the definition of the lines. The writer
 * uses LoadDataEncoder (mysql.load-data-encoder.ts), which writes the same lines as UTF-8 bytes.
 */
export class LoadDataLines {
  private readonly fields: FieldText[];
  private text = '';

  /** `losses` counts the values changed on the way (fractions cut to microseconds). */
  constructor(columns: NeutralColumn[], losses?: ValueLossCounter) {
    this.fields = columns.map((c) => fieldText(c, losses));
  }

  add(row: NeutralValue[]): void {
    let line = '';
    for (let i = 0; i < this.fields.length; i++) {
      if (i > 0) line += '\t';
      const value = row[i];
      line += value === null || value === undefined ? '\\N' : escapeLoadField((this.fields[i] as FieldText)(value));
    }
    this.text += `${line}\n`;
  }

  /** Characters gathered since the last take(). */
  pending(): number {
    return this.text.length;
  }

  take(): string {
    const out = this.text;
    this.text = '';
    return out;
  }
}

export interface LoadWarning {
  level: string;
  code: number;
  message: string;
}

const LENGTH_LIMITED = new Set<Kind>(['string', 'char', 'text', 'binary', 'blob', 'json', 'xml', 'uuid']);

/**
 * The warning LOAD DATA LOCAL raised instead of the error an INSERT would have raised, as that
 * error (errno, message), so the dialect sorts it the same way; null when there are only notes
 * (a decimal rounded to its scale is a note for INSERT too).
 */
export function loadDataWarningError(warnings: LoadWarning[], columns: NeutralColumn[]): Error | null {
  const first = warnings.find((w) => w.level.toLowerCase() !== 'note');
  if (!first) return null;
  let errno = first.code;
  let message = first.message;
  const column = /column '([^']*)'/.exec(first.message)?.[1];
  const row = / at row (\d+)/.exec(first.message)?.[1] ?? '1';
  if (first.code === 1263 && column !== undefined) {
    // NULL into a NOT NULL column was set to the default; INSERT fails with 1048.
    errno = 1048;
    message = `Column '${column}' cannot be null`;
  } else if (first.code === 1265 && column !== undefined && LENGTH_LIMITED.has(columns.find((c) => c.name === column)?.type.kind ?? 'enum')) {
    // A string cut to the column's length; INSERT fails with 1406 (an enum's bad label stays 1265).
    errno = 1406;
    message = `Data too long for column '${column}' at row ${row}`;
  }
  return Object.assign(new Error(message), { errno, sqlMessage: message, code: `LOAD_DATA_WARNING_${first.code}` });
}
