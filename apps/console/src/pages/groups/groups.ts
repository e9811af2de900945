import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/errors';
import { valueText } from '../arbitration/values';

export type GroupView = Schema<'GroupView'>;
export type GroupColumn = Schema<'GroupColumnView'>;
export type GroupBody = Schema<'CreateGroupDto'>;
export type GroupWrite = Schema<'GroupWriteView'>;
export type MemberDebt = Schema<'MemberDebtView'>;
export type SyncTask = Schema<'SyncTaskView'>;
export type FaultView = Schema<'FaultView'>;
export type FaultBody = Schema<'CreateFaultDto'>;

export const TASK_STATUSES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const FAULT_OPERATIONS = ['connect', 'read', 'write'] as const;

/** Every group, by name (the task list's filter and names). */
export async function loadGroups(signal?: AbortSignal): Promise<GroupView[]> {
  const out: GroupView[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await unwrap(api.GET('/api/groups', { params: { query: { limit: 200, offset } }, signal }));
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

export const loadDebt = (id: string, signal?: AbortSignal) => unwrap(api.GET('/api/groups/{id}/debt', { params: { path: { id } }, signal }));

/**
 * The active faults, for a session the API said has them on (`faultsEnabled`); a 404 still reads
 * as off, for an API restarted without FAULTS_ENABLED=true since that answer.
 */
export async function loadFaults(signal?: AbortSignal): Promise<{ enabled: false } | { enabled: true; items: FaultView[] }> {
  try {
    const page = await unwrap(api.GET('/api/faults', { signal }));
    return { enabled: true, items: page.items };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return { enabled: false };
    throw error;
  }
}

/**
 * The key of a row as the rows/:key path wants it: the one key column's value as text, or a JSON
 * object naming each key column (values in the write form: 64-bit integers and bytes as text).
 */
export function groupKeyParam(keyColumns: string[], values: Record<string, unknown>): string {
  const plain = (v: unknown) => (v !== null && typeof v === 'object' && '$int' in v ? (v as { $int: string }).$int : v !== null && typeof v === 'object' && '$bytes' in v ? (v as { $bytes: string }).$bytes : v);
  if (keyColumns.length === 1) {
    const v = plain(values[keyColumns[0]]);
    return typeof v === 'string' ? v : JSON.stringify(v);
  }
  return JSON.stringify(Object.fromEntries(keyColumns.map((c) => [c, plain(values[c])])));
}

/** One column's value as the editor shows it: the text, and whether it is NULL. */
export interface FieldText {
  text: string;
  isNull: boolean;
}

/** A value the arbiter read (lossless JSON) as the editor's text: bytes stay base64, as the write takes them. */
export function fieldText(value: unknown): FieldText {
  if (value === null || value === undefined) return { text: '', isNull: true };
  if (typeof value === 'object' && value !== null && '$bytes' in value) return { text: String((value as { $bytes: string }).$bytes), isNull: false };
  if (typeof value === 'object' && value !== null && !('$int' in value)) return { text: JSON.stringify(value), isNull: false };
  return { text: valueText(value), isNull: false };
}

const FLOATS = new Set(['float32', 'float64']);

/**
 * The editor's fields as the row a write sends, typed by the group's column kinds: a boolean as
 * true/false, a float as a number, anything else as text (the API reads 64-bit integers,
 * decimals, times and JSON from text, bytes from base64). Returns the row, or the problems by
 * `row.<column>` as the API would name them.
 */
export function rowFromFields(columns: GroupColumn[], fields: Record<string, FieldText>): { row: Record<string, unknown> } | { errors: Record<string, string> } {
  const row: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const column of columns) {
    const field = fields[column.name];
    if (!field) continue;
    const name = `row.${column.name}`;
    if (field.isNull) {
      if (!column.nullable) errors[name] = `${column.name} cannot be NULL`;
      else row[column.name] = null;
      continue;
    }
    const text = field.text;
    if (column.kind === 'bool') {
      const t = text.trim().toLowerCase();
      if (t === 'true' || t === '1') row[column.name] = true;
      else if (t === 'false' || t === '0') row[column.name] = false;
      else errors[name] = `${column.name} must be true or false`;
    } else if (FLOATS.has(column.kind)) {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) errors[name] = `${column.name} must be a number`;
      else row[column.name] = n;
    } else row[column.name] = text;
  }
  return Object.keys(errors).length ? { errors } : { row };
}

/** Seconds since `iso` (the oldest pending task's age), or null. */
export function ageSeconds(iso: string | null | undefined, now = Date.now()): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : Math.max(0, Math.round((now - t) / 1000));
}

/** An age as 45 s, 12 min, 3.5 h or 2.0 d. */
export function ageText(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

/** A group form's problems before any call, named as the API names them. */
export function checkGroupForm(name: string, keyColumns: string[], members: { connectionId: string; table: string }[]): Record<string, string> {
  const found: Record<string, string> = {};
  if (!name.trim()) found.name = 'Name the group.';
  if (keyColumns.length === 0) found.keyColumns = 'Name at least one key column.';
  if (members.length < 2) found.members = 'A group needs at least two members.';
  members.forEach((m, i) => {
    if (!m.connectionId) found[`members[${i}].connectionId`] = 'Pick a connection.';
    if (!m.table.trim()) found[`members[${i}].table`] = 'Name the table.';
  });
  const seen = new Set<string>();
  members.forEach((m, i) => {
    if (m.connectionId && seen.has(m.connectionId)) found[`members[${i}].connectionId`] = 'One table per connection.';
    seen.add(m.connectionId);
  });
  return found;
}

/** Comma-separated names as a list, blanks dropped. */
export const splitNames = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
