/**
 * The job form's column transforms (docs/transforms.md): one row per column, what is done to it
 * as a pick and one argument, turned into the API's `tables[i].transforms` and back.
 */

import type { Schema } from '@dbferry/api-client';

/** A transform as the API takes it (tables[i].transforms[j]). */
export type ColumnTransform = Schema<'ColumnTransformDto'>;

export type TransformAction = 'none' | 'exclude' | 'hash' | 'last4' | 'keepLast' | 'null' | 'set' | 'expr';

export const TRANSFORM_ACTIONS: { value: TransformAction; label: string }[] = [
  { value: 'none', label: 'copy (rename only)' },
  { value: 'hash', label: 'mask: hash (HMAC-SHA256, job salt)' },
  { value: 'last4', label: 'mask: keep the last 4 characters' },
  { value: 'keepLast', label: 'mask: keep the last N characters' },
  { value: 'null', label: 'mask: null' },
  { value: 'set', label: 'set a constant' },
  { value: 'expr', label: "set to an expression (the source's SQL)" },
  { value: 'exclude', label: 'exclude' },
];

/** One row of the editor; every field text until saved. */
export interface TransformRow {
  uid: string;
  column: string;
  /** Empty: the same name. */
  rename: string;
  action: TransformAction;
  /** keepLast: N; set: the value (read as JSON when it parses: 7, true, null, else text); expr: the expression. */
  arg: string;
  /** A set's declared type, kept as saved (the editor does not change it). */
  type?: string;
}

let uids = 0;
export const newTransformRow = (column = ''): TransformRow => ({ uid: `x${++uids}`, column, rename: '', action: 'none', arg: '' });

/** A saved transform as an editor row. */
export function transformToRow(t: ColumnTransform): TransformRow {
  const row = { ...newTransformRow(t.column), rename: t.rename ?? '' };
  if (t.exclude) return { ...row, action: 'exclude' };
  const typed = t.set?.type ? { type: t.set.type } : {};
  if (t.set && typeof t.set.expr === 'string') return { ...row, ...typed, action: 'expr', arg: t.set.expr };
  if (t.set) return { ...row, ...typed, action: 'set', arg: typeof t.set.value === 'string' ? t.set.value : JSON.stringify(t.set.value) };
  if (t.mask === 'hash' || t.mask === 'last4' || t.mask === 'null') return { ...row, action: t.mask };
  if (t.mask && typeof t.mask === 'object') return { ...row, action: 'keepLast', arg: String(t.mask.keepLast) };
  return row;
}

function constant(text: string): string | number | boolean | null {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || ['number', 'boolean'].includes(typeof parsed)) return parsed as number | boolean | null;
  } catch {
    // text
  }
  return text;
}

/** An editor row as the API's transform. */
export function rowToTransform(row: TransformRow): ColumnTransform {
  const t: ColumnTransform = { column: row.column.trim() };
  if (row.rename.trim() && row.action !== 'exclude') t.rename = row.rename.trim();
  if (row.action === 'exclude') t.exclude = true;
  else if (row.action === 'hash' || row.action === 'last4' || row.action === 'null') t.mask = row.action;
  else if (row.action === 'keepLast') t.mask = { keepLast: Number(row.arg) };
  else if (row.action === 'set' || row.action === 'expr') {
    const typed = row.type ? { type: row.type as NonNullable<ColumnTransform['set']>['type'] } : {};
    t.set = row.action === 'expr' ? { expr: row.arg, ...typed } : { value: constant(row.arg), ...typed };
  }
  return t;
}

/** What the form can say before the API does, keyed like the API's fields (`tables[0].transforms[1].mask`). */
export function validateTransformRows(rows: TransformRow[], at: string, keyColumns: string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  const seen = new Set<string>();
  rows.forEach((row, j) => {
    const field = (name: string) => `${at}.transforms[${j}].${name}`;
    const column = row.column.trim();
    if (!column) errors[field('column')] = 'Name a column.';
    else if (seen.has(column)) errors[field('column')] = `${column} already has a transform.`;
    seen.add(column);
    if (row.action === 'none' && !row.rename.trim()) errors[field('column')] = 'Give a new name or pick what to do.';
    if (row.action === 'keepLast' && !/^\d{1,4}$/.test(row.arg.trim())) errors[field('mask')] = 'Keep a whole number of characters (0 to 1000).';
    if (row.action === 'expr' && !row.arg.trim()) errors[field('set.expr')] = "Write an expression in the source's SQL, e.g. first_name || ' ' || last_name.";
    if (keyColumns.includes(column) && row.action !== 'none') errors[field(row.action === 'exclude' ? 'exclude' : row.action === 'set' || row.action === 'expr' ? 'set' : 'mask')] = `${column} is a key column: it can be renamed only.`;
  });
  return errors;
}
