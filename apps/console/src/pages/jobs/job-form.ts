import type { Schema } from '@dbferry/api-client';
import { rowToTransform, transformToRow, type TransformRow, validateTransformRows } from './transforms-form';

export type JobView = Schema<'JobView'>;
export type JobBody = Schema<'CreateJobDto'>;
export type JobTable = Schema<'JobTableDto'>;
export type SyncMode = JobBody['mode'];
export type WriteMode = JobBody['writeMode'];

export const WRITE_MODES: { value: WriteMode; label: string }[] = [
  { value: 'upsert', label: 'upsert — insert or update by key' },
  { value: 'insert', label: 'insert — replace each key range, then insert' },
  { value: 'replace', label: 'replace — rewrite the target rows' },
];

/** One entry of the job's table list as the form edits it (text fields stay text until saved). */
export interface TableEntry {
  /** A stable React key; not sent. */
  uid: string;
  /** "schema.table" or a pattern "schema.*". */
  source: string;
  /** Empty: the API's default (the source's name under the target's default schema). */
  target: string;
  where: string;
  /** Empty: the primary key. */
  keyColumns: string[];
  incrementalColumn: string;
  /** Empty: every column. */
  columns: string[];
  /** Target types set through the API; the form keeps them as they are. */
  types?: Record<string, string>;
  /** Column transforms, a row each (transforms-form.ts). */
  transforms: TransformRow[];
}

export interface JobForm {
  name: string;
  sourceId: string;
  targetId: string;
  tables: TableEntry[];
  mode: SyncMode;
  writeMode: WriteMode;
  createTables: boolean;
  deleteMissing: boolean;
  /** Verified sync: each run ends with a diff of the tables it wrote. */
  verify: boolean;
  enabled: boolean;
  batchSize: string;
  chunkRows: string;
  schedule: string;
  scheduleTz: string;
}

/** Field name (as the API names it: `tables[0].where`) → what is wrong. */
export type FormErrors = Record<string, string>;

let uids = 0;
export const newUid = () => `t${++uids}`;

export const emptyEntry = (source: string): TableEntry => ({ uid: newUid(), source, target: '', where: '', keyColumns: [], incrementalColumn: '', columns: [], transforms: [] });

export const emptyJobForm = (): JobForm => ({
  name: '',
  sourceId: '',
  targetId: '',
  tables: [],
  mode: 'full',
  writeMode: 'upsert',
  createTables: true,
  deleteMissing: false,
  verify: false,
  enabled: true,
  batchSize: '5000',
  chunkRows: '200000',
  schedule: '',
  scheduleTz: '',
});

/** A saved job as the form edits it. */
export function jobToForm(job: JobView): JobForm {
  return {
    name: job.name,
    sourceId: job.sourceId,
    targetId: job.targetId,
    tables: job.tables.map((t) => ({
      uid: newUid(),
      source: t.source,
      target: t.target ?? '',
      where: t.where ?? '',
      keyColumns: t.keyColumns ?? [],
      incrementalColumn: t.incrementalColumn ?? '',
      columns: t.columns ?? [],
      ...(t.types ? { types: t.types } : {}),
      transforms: (t.transforms ?? []).map(transformToRow),
    })),
    mode: job.mode,
    writeMode: job.writeMode,
    createTables: job.createTables,
    deleteMissing: job.deleteMissing,
    verify: job.verify,
    enabled: job.enabled,
    batchSize: String(job.batchSize),
    chunkRows: String(job.chunkRows),
    schedule: job.schedule ?? '',
    scheduleTz: job.scheduleTz ?? '',
  };
}

/** A table reference split as the API splits it: `"my.schema"."t"` quoted, `*`/`?` in an unquoted name a pattern. */
export function parseTableRef(text: string): { schema: string; name: string; pattern: boolean } | null {
  const parts: { text: string; quoted: boolean }[] = [];
  const s = text.trim();
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= s.length) return null;
        if (s[i] === '"' && s[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (s[i] === '"') {
          i++;
          break;
        } else value += s[i++];
      }
      parts.push({ text: value, quoted: true });
    } else {
      const end = s.indexOf('.', i);
      parts.push({ text: s.slice(i, end === -1 ? s.length : end), quoted: false });
      i = end === -1 ? s.length : end;
    }
    if (i >= s.length) break;
    if (s[i] !== '.') return null;
    i++;
  }
  if (parts.length !== 2 || parts.some((p) => p.text === '')) return null;
  const [schema, name] = parts as [{ text: string; quoted: boolean }, { text: string; quoted: boolean }];
  if (!schema.quoted && /[*?]/.test(schema.text)) return null;
  return { schema: schema.text, name: name.text, pattern: !name.quoted && /[*?]/.test(name.text) };
}

/** "schema.table" for a table the picker found, quoted only where the plain form would read otherwise. */
export function formatTableRef(schema: string, name: string): string {
  const part = (p: string) => (/^[^."*?\s]+$/.test(p) ? p : `"${p.replace(/"/g, '""')}"`);
  return `${part(schema)}.${part(name)}`;
}

export const isPattern = (source: string) => parseTableRef(source)?.pattern ?? false;

const CRON_FIELDS = /^\S+(\s+\S+){4,5}$/;
const CRON_MACRO = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/i;

function integerIn(text: string, min: number, max: number): boolean {
  return /^\d+$/.test(text.trim()) && Number(text) >= min && Number(text) <= max;
}

/**
 * What the form can say is wrong before asking the API, keyed by the field name the API would
 * use, so both kinds of message land under the same control. The API checks all of it again
 * (and more: filters against the real columns, tables on the source, the cron itself).
 */
export function validateJobForm(form: JobForm, options: { requireName?: boolean } = {}): FormErrors {
  const errors: FormErrors = {};
  if ((options.requireName ?? true) && !form.name.trim()) errors.name = 'Give the job a name.';
  else if (form.name.length > 100) errors.name = 'At most 100 characters.';
  if (!form.sourceId) errors.sourceId = 'Pick the source connection.';
  if (!form.targetId) errors.targetId = 'Pick the target connection.';
  if (form.tables.length === 0) errors.tables = 'Add at least one table or pattern.';
  if (form.mode === 'incremental' && form.writeMode !== 'upsert') errors.writeMode = 'Incremental mode writes with upsert (a re-read row must replace, not duplicate).';
  if (!integerIn(form.batchSize, 1, 100_000)) errors.batchSize = 'A whole number from 1 to 100000.';
  if (!integerIn(form.chunkRows, 100, 100_000_000)) errors.chunkRows = 'A whole number from 100 to 100000000.';
  const schedule = form.schedule.trim();
  if (schedule && !CRON_FIELDS.test(schedule) && !CRON_MACRO.test(schedule)) errors.schedule = 'A cron has 5 fields (minute hour day month weekday), or 6 with seconds first.';
  if (form.scheduleTz.trim() && !schedule) errors.scheduleTz = 'A time zone needs a schedule.';

  const seen = new Map<string, number>();
  form.tables.forEach((t, i) => {
    const at = (field: string) => `tables[${i}].${field}`;
    const ref = parseTableRef(t.source);
    if (!ref) {
      errors[at('source')] = 'Must be "schema.table" or a pattern "schema.*".';
      return;
    }
    const earlier = seen.get(t.source.trim());
    if (earlier !== undefined) errors[at('source')] = `Already in the list (table ${earlier + 1}).`;
    seen.set(t.source.trim(), i);
    if (t.target.trim()) {
      const target = parseTableRef(t.target);
      if (!target) errors[at('target')] = ref.pattern ? 'Must be "schema.*" for a pattern.' : 'Must be "schema.table".';
      else if (ref.pattern && target.name !== '*') errors[at('target')] = 'A pattern lands in a schema: write "schema.*".';
      else if (!ref.pattern && target.pattern) errors[at('target')] = 'A single table cannot have a pattern target.';
    }
    if (ref.pattern) {
      if (t.where.trim()) errors[at('where')] = 'A filter applies to one table, not a pattern.';
      return;
    }
    if (form.mode === 'incremental' && !t.incrementalColumn) errors[at('incrementalColumn')] = 'Incremental mode needs the column that grows (e.g. updated_at).';
    if (t.where.length > 4000) errors[at('where')] = 'At most 4000 characters.';
    Object.assign(errors, validateTransformRows(t.transforms, `tables[${i}]`, t.keyColumns));
    if (t.columns.length) {
      const needed = [...t.keyColumns, ...(t.incrementalColumn ? [t.incrementalColumn] : [])].filter((c) => !t.columns.includes(c));
      if (needed.length) errors[at('columns')] = `The copied columns must include ${needed.join(', ')} (key and incremental columns).`;
    }
  });
  return errors;
}

/**
 * The body of POST /api/jobs (and of POST /api/jobs/preview, PATCH /api/jobs/:id) from the
 * form. Settings the form does not show (evolveSchema, maxRejects, nul, lookbackSeconds) are
 * left out, so a create takes the API's defaults and an edit keeps what the job has; the
 * generated type marks every field with a default as present, hence the cast.
 */
export function formToBody(form: JobForm): JobBody {
  const schedule = form.schedule.trim();
  return {
    name: form.name.trim(),
    sourceId: form.sourceId,
    targetId: form.targetId,
    tables: form.tables.map((t) => {
      const single = !isPattern(t.source);
      const table: JobTable = { source: t.source.trim() };
      if (t.target.trim()) table.target = t.target.trim();
      if (single && t.where.trim()) table.where = t.where.trim();
      if (single && t.keyColumns.length) table.keyColumns = t.keyColumns;
      if (single && t.incrementalColumn) table.incrementalColumn = t.incrementalColumn;
      if (single && t.columns.length) table.columns = t.columns;
      if (single && t.types && Object.keys(t.types).length) table.types = t.types;
      if (single && t.transforms.length) table.transforms = t.transforms.map(rowToTransform);
      return table;
    }),
    mode: form.mode,
    writeMode: form.writeMode,
    createTables: form.createTables,
    deleteMissing: form.deleteMissing,
    verify: form.verify,
    enabled: form.enabled,
    batchSize: Number(form.batchSize),
    chunkRows: Number(form.chunkRows),
    schedule: schedule || null,
    scheduleTz: schedule && form.scheduleTz.trim() ? form.scheduleTz.trim() : null,
  } as JobBody;
}
