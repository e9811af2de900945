import { createHash } from 'node:crypto';
import type { DataPlane, DialectName, DialectSession, NeutralColumn, TableRef, TableSchema } from '@dbferry/dialects-core';
import { DbError, IdentifierError, renderNeutralType } from '@dbferry/dialects-core';
import { dialectFor, typeMapperFor } from '@dbferry/dialects';
import { FilterError } from '../filter/filter-error';
import { validateFilter } from '../filter/filter-validator';
import { isIncrementalKind } from '../incremental/watermark';
import { resolveExpressions } from '../transform/column-expression';
import { type ColumnTransform, planTransforms, TransformError, type TransformPlan } from '../transform/column-transforms';
import { NativeTypes } from './native-types';
import { compileGlob, parseTableRef } from './table-ref';

/** One entry of a job's table list (the job's JSON, without the control store's types). */
export interface TableSelectionSpec {
  source: string;
  target?: string;
  where?: string;
  keyColumns?: string[];
  incrementalColumn?: string;
  columns?: string[];
  /** Native target type per column name, verbatim (validated by the API), for created tables and added columns. */
  types?: Record<string, string>;
  /** Column transforms: rename, exclude, set a constant, mask (docs/transforms.md). */
  transforms?: ColumnTransform[];
}

export interface PlanOptions {
  createTables: boolean;
  evolveSchema: boolean;
  /** Per-column native type overrides on the target, by column name, for every table; a table's `types` win. */
  typeOverrides?: Record<string, string>;
  /**
   * A keyed table this plan creates is created without its primary key and indexes where the
   * target dialect can build them after the load (DialectCapabilities.deferredKeyBuild); the
   * statements that build them are TablePlan.deferredKey. Only for a run whose chunks never need
   * the key while loading: a full copy that replaces key ranges (not upsert, not incremental).
   */
  deferKeys?: boolean;
  /**
   * Asked of an existing target without a primary key: did an earlier attempt of this same run
   * create it bare (deferKeys) before being cut short, e.g. a worker killed before the run's
   * chunks were stored? Such a table is planned as the run's own: no DDL, and its deferredKey as
   * if it were created now (the same shape gives the same statements).
   */
  createdBare?: (target: TableRef) => Promise<boolean>;
}

export interface ColumnMapping {
  column: string;
  sourceType: string;
  neutralType: string;
  targetType: string;
  /** Where targetType comes from: the job's `types`, the source's own type (same dialect), the neutral mapping, or the existing target column. */
  typeSource: 'override' | 'source' | 'neutral' | 'existing';
  lossy?: { kind: string; description: string };
  /** Why a same-dialect copy could not keep the source's type (shown in the plan, logged by the run). */
  note?: string;
  /** The source column this target column is read from, when it is named otherwise (a rename); absent for a new column's. */
  sourceColumn?: string;
  /** What a transform does to this column (`renamed from email; masked: …`, `new column, set to 1`). */
  transform?: string;
}

/** What a run does to one table; preview shows it, plan-run stores it. */
export interface TablePlan {
  /** The job's table-list index this table came from (a pattern yields several). */
  specIndex: number;
  source: TableRef;
  target: TableRef;
  columns: NeutralColumn[];
  keyColumns: string[];
  /** False without a usable key: such a table is copied whole and cannot resume. */
  resumable: boolean;
  where?: string;
  incrementalColumn?: string;
  targetExists: boolean;
  ddl: string[];
  /** With PlanOptions.deferKeys: `ddl` creates the table bare, and these statements build its key and indexes once it is loaded. */
  deferredKey?: string[];
  mapping: ColumnMapping[];
  rowEstimate: number | null;
  /** The table's column transforms resolved: the target's columns and key by their target names (absent: none, the target's columns are `columns`). */
  transform?: TransformPlan;
}

/** A problem with one table of the job, placed like an API field (`tables[2].keyColumns`). */
export class PlanError extends Error {
  /** Terminal: the job names something the databases do not have; a retry plans the same. */
  readonly transient = false;
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PlanError';
  }
}

export interface PlanInput {
  source: { dialect: DialectName; session: DialectSession };
  target: { dialect: DialectName; session: DialectSession; defaultSchema: string };
  tables: TableSelectionSpec[];
  options: PlanOptions;
}

const dataOf = (session: DialectSession, role: string): DataPlane => {
  if (!session.data) throw new PlanError(role, 'this dialect cannot move rows yet');
  return session.data;
};

/** Expands patterns against the source catalogue and pairs each table with its target. */
async function resolveTables(input: PlanInput): Promise<{ specIndex: number; source: TableRef; target: TableRef }[]> {
  const resolved: { specIndex: number; source: TableRef; target: TableRef }[] = [];
  for (const [specIndex, spec] of input.tables.entries()) {
    const source = parseTableRef(spec.source);
    if (!source) throw new PlanError(`tables[${specIndex}].source`, 'must be "schema.table" or "schema.*"');
    const target = spec.target ? parseTableRef(spec.target) : null;
    const targetSchema = target?.schema ?? input.target.defaultSchema;
    if (!source.pattern) {
      resolved.push({ specIndex, source, target: { schema: targetSchema, name: target?.pattern === false ? target.name : source.name } });
      continue;
    }
    const matchesSource = compileGlob(source.name);
    const matches = (await input.source.session.listTables(source.schema)).filter((t) => matchesSource(t.name));
    if (!matches.length) throw new PlanError(`tables[${specIndex}].source`, `no table of ${source.schema} matches ${source.name}`);
    for (const t of matches) resolved.push({ specIndex, source: { schema: t.schema, name: t.name }, target: { schema: targetSchema, name: t.name } });
  }
  const seen = new Set<string>();
  for (const r of resolved) {
    const key = JSON.stringify([r.target.schema, r.target.name]);
    if (seen.has(key)) throw new PlanError(`tables[${r.specIndex}].target`, `${r.target.schema}.${r.target.name} is the target of two tables`);
    seen.add(key);
  }
  return resolved;
}

/** A table of the job that cannot be planned: the others are planned (and copied) without it. */
export interface TableFailure {
  specIndex: number;
  source: TableRef;
  target: TableRef;
  /** Where the problem sits, like an API field (`tables[0].target`). */
  field: string;
  /** A sentence naming the table and what is wrong with it. */
  reason: string;
}

/**
 * A problem that is this one table's (a name the target cannot hold, a missing table, key or
 * column, a bad filter, a database refusing it for good) as a PlanError placed on its field;
 * null for what is not the table's fault (a connection lost: retried as a whole).
 */
function tableProblem(error: unknown, field: string, source: TableRef): PlanError | null {
  if (error instanceof PlanError) return error;
  const table = `${source.schema}.${source.name}`;
  if (error instanceof IdentifierError) {
    return new PlanError(`${field}.target`, `table ${table}: the target cannot hold a name: ${error.message} (rename the table, or give it an entry of its own with a shorter "target")`);
  }
  if (error instanceof FilterError) return new PlanError(`${field}.where`, `table ${table}: ${error.message}`);
  if (error instanceof TransformError) return new PlanError(`${field}.${error.field}`, `table ${table}: ${error.message.slice(error.field.length + 2)}`);
  if (error instanceof DbError && !error.transient) return new PlanError(field, `table ${table}: ${error.message}`);
  return null;
}

/**
 * Decides, without changing anything, what a run will do to each table: the columns and
 * key it copies, the DDL it will run on the target (create, or add the missing columns),
 * and the type chosen for each column with any documented loss. The first table that cannot
 * be planned throws (a PlanError naming it); planTablesEach plans the others anyway.
 */
export async function planTables(input: PlanInput): Promise<TablePlan[]> {
  const { plans, failures } = await planTablesEach(input);
  if (failures.length) throw new PlanError(failures[0].field, failures[0].reason);
  return plans;
}

/**
 * Plans every table it can. A table that cannot be planned (see tableProblem) is returned
 * among `failures` with its reason; a job-level problem (a bad source reference, a pattern
 * matching nothing, a connection failing) still throws.
 */
export async function planTablesEach(input: PlanInput): Promise<{ plans: TablePlan[]; failures: TableFailure[] }> {
  const sourceData = dataOf(input.source.session, 'sourceId');
  const targetData = dataOf(input.target.session, 'targetId');
  const context: PlanContext = {
    input,
    sourceData,
    targetData,
    targetMapper: typeMapperFor(input.target.dialect),
    maxIdentifierBytes: dialectFor(input.target.dialect).capabilities.maxIdentifierLength,
    nativeTypes: new NativeTypes({
      sourceDialect: input.source.dialect,
      targetDialect: input.target.dialect,
      source: sourceData.introspector,
      target: targetData.introspector,
    }),
  };
  const plans: TablePlan[] = [];
  const failures: TableFailure[] = [];
  for (const table of await resolveTables(input)) {
    try {
      plans.push(await planOne(context, table));
    } catch (error) {
      const problem = tableProblem(error, `tables[${table.specIndex}]`, table.source);
      if (!problem) throw error;
      failures.push({ ...table, field: problem.field, reason: problem.message });
    }
  }
  return { plans, failures };
}

interface PlanContext {
  input: PlanInput;
  sourceData: DataPlane;
  targetData: DataPlane;
  targetMapper: ReturnType<typeof typeMapperFor>;
  maxIdentifierBytes: number;
  nativeTypes: NativeTypes;
}

async function planOne(
  { input, sourceData, targetData, targetMapper, maxIdentifierBytes, nativeTypes }: PlanContext,
  { specIndex, source, target }: { specIndex: number; source: TableRef; target: TableRef },
): Promise<TablePlan> {
  const spec = input.tables[specIndex];
  const field = `tables[${specIndex}]`;
  const described = await sourceData.introspector.describeTable(source);
  if (!described) throw new PlanError(`${field}.source`, `table ${source.schema}.${source.name} not found on the source`);

  const byName = new Map(described.columns.map((c) => [c.name, c]));
  const unknown = [...(spec.columns ?? []), ...(spec.keyColumns ?? []), ...(spec.incrementalColumn ? [spec.incrementalColumn] : [])].filter((c) => !byName.has(c));
  if (unknown.length) throw new PlanError(field, `${source.name} has no column ${unknown.join(', ')}`);
  for (const name of Object.keys(spec.types ?? {})) {
    if (!byName.has(name)) throw new PlanError(`${field}.types.${name}`, `${source.name} has no column ${name}`);
    if (spec.columns && !spec.columns.includes(name)) throw new PlanError(`${field}.types.${name}`, `${name} is not among the copied columns`);
  }
  const incremental = spec.incrementalColumn ? (byName.get(spec.incrementalColumn) as NeutralColumn) : undefined;
  if (incremental && !isIncrementalKind(incremental)) {
    throw new PlanError(`${field}.incrementalColumn`, `${incremental.name} is ${renderNeutralType(incremental.type)}; an incremental column must be a whole number, decimal, date or timestamp`);
  }
  const subset = spec.columns ? spec.columns.map((c) => byName.get(c) as NeutralColumn) : described.columns;
  const keyColumns = spec.keyColumns ?? described.primaryKey.filter((k) => subset.some((c) => c.name === k));
  // Transforms: the columns read lose the excluded ones; the target's are named and typed as transformed.
  // Expressions are checked and typed by the source first (a query reading no row).
  const expressions = spec.transforms?.some((t) => t.set?.expr !== undefined)
    ? await resolveExpressions({ dialect: input.source.dialect, introspector: sourceData.introspector, table: source, columns: described.columns, transforms: spec.transforms })
    : undefined;
  const transformed = spec.transforms?.length
    ? planTransforms({ columns: subset, all: described.columns, keyColumns, incrementalColumn: spec.incrementalColumn, transforms: spec.transforms, expressions })
    : undefined;
  const columns = transformed?.read ?? subset;
  const targetColumns = transformed?.plan.columns ?? columns;
  const targetKeys = transformed?.plan.keyColumns ?? keyColumns;
  const targetName = new Map(columns.map((c, i) => [c.name, transformed ? transformed.plan.columns[i].name : c.name]));
  const where = spec.where
    ? validateFilter({ dialect: input.source.dialect, filter: spec.where, columns: described.columns.map((c) => c.name) }).sql
    : undefined;

  const existing = await targetData.introspector.describeTable(target);
  const present = new Set(existing?.columns.map((c) => c.name) ?? []);
  const created = targetColumns.filter((c) => !present.has(c.name));
  if (!existing && !input.options.createTables) throw new PlanError(`${field}.target`, `${target.schema}.${target.name} does not exist and createTables is off`);
  if (existing && created.length && !input.options.evolveSchema) {
    throw new PlanError(`${field}.target`, `${target.schema}.${target.name} lacks ${created.map((c) => c.name).join(', ')} and evolveSchema is off`);
  }
  // Types only matter for the columns this plan creates: the others exist as they are.
  const operatorTypes = { ...input.options.typeOverrides, ...Object.fromEntries(Object.entries(spec.types ?? {}).map(([name, type]) => [targetName.get(name) ?? name, type])) };
  const { choices, ddl: typeDdl } = created.length ? await nativeTypes.choose({ source, target }, created, operatorTypes) : { choices: new Map(), ddl: [] };
  const typeOverrides = Object.fromEntries([...choices].filter(([, c]) => c.native !== undefined).map(([name, c]) => [name, c.native as string]));
  let ddl: string[] = [];
  let deferredKey: string[] | undefined;
  // Only a key the source enforces (its primary key) is known unique: a key the job names may hold
  // duplicates, which a key kept during the load turns into rejected rows, a deferred one into a failed run.
  const sourceKey = keyColumns.length > 0 && keyColumns.length === described.primaryKey.length && keyColumns.every((k, i) => described.primaryKey[i] === k);
  const deferKey = input.options.deferKeys === true && sourceKey && dialectFor(input.target.dialect).capabilities.deferredKeyBuild === true;
  const ownBare = deferKey && !!existing && !existing.primaryKey.length && !created.length && (await input.options.createdBare?.(target)) === true;
  if (!existing) {
    const plan = targetData.ddl.createTable(target, targetShape(described, targetColumns, targetKeys, targetName, maxIdentifierBytes), { typeOverrides, deferKey });
    ddl = plan.statements;
    if (deferKey && plan.deferred?.length) deferredKey = plan.deferred;
  } else if (ownBare) {
    // Created bare by an earlier attempt of this run: the same shape gives the same key statements.
    const again = targetData.ddl.createTable(target, targetShape(described, targetColumns, targetKeys, targetName, maxIdentifierBytes), { deferKey });
    if (again.deferred?.length) deferredKey = again.deferred;
  } else if (created.length) ddl = targetData.ddl.addColumns(target, created, { typeOverrides }).statements;
  if (ddl.length) ddl = [...typeDdl, ...ddl];

  const existingTypes = new Map(existing?.columns.map((c) => [c.name, c.nativeType]) ?? []);
  const readFrom = new Map(columns.map((c) => [targetName.get(c.name) as string, c]));
  const mapping = targetColumns.map((c): ColumnMapping => {
    const from = readFrom.get(c.name);
    const note = transformed?.plan.notes[c.name];
    const base = {
      column: c.name,
      sourceType: from?.nativeType ?? '',
      neutralType: renderNeutralType(c.type),
      ...(from && from.name !== c.name && { sourceColumn: from.name }),
      ...(note && { transform: note }),
    };
    const there = existingTypes.get(c.name);
    if (there !== undefined) return { ...base, targetType: there, typeSource: 'existing' };
    const choice = choices.get(c.name);
    if (choice?.native !== undefined) return { ...base, targetType: choice.native, typeSource: operatorTypes[c.name] !== undefined ? 'override' : 'source' };
    const chosen = targetMapper.fromNeutral(c.type);
    return {
      ...base,
      targetType: chosen.native,
      typeSource: 'neutral',
      ...(chosen.lossy ? { lossy: { kind: chosen.lossy.kind, description: chosen.lossy.description } } : {}),
      ...(choice?.note ? { note: choice.note } : {}),
    };
  });

  return {
    specIndex,
    source,
    target,
    columns,
    keyColumns,
    resumable: keyColumns.length > 0,
    where,
    incrementalColumn: spec.incrementalColumn,
    targetExists: !!existing,
    ddl,
    ...(deferredKey && { deferredKey }),
    mapping,
    rowEstimate: described.rowEstimate,
    ...(transformed && { transform: transformed.plan }),
  };
}

/** The target table keeps the source's key and those of its indexes whose columns are all copied. */
function targetShape(described: TableSchema, columns: NeutralColumn[], keyColumns: string[], targetName: Map<string, string>, maxIdentifierBytes: number) {
  return {
    columns,
    primaryKey: keyColumns,
    indexes: described.indexes
      .filter((i) => i.columns.every((c) => targetName.has(c)))
      .map((i) => ({ ...i, columns: i.columns.map((c) => targetName.get(c) as string) }))
      .map((i) => ({ ...i, name: fitIdentifier(`${described.name}_${i.columns.join('_')}${i.unique ? '_key' : '_idx'}`, maxIdentifierBytes) })),
  };
}

/**
 * A name the plan makes up (an index's) that fits the target: one longer than `maxBytes`
 * UTF-8 bytes is cut on a character boundary and ends in `_` and 8 hex digits of its SHA-256,
 * so two long names stay distinct and a re-plan gives the same name.
 */
export function fitIdentifier(name: string, maxBytes: number): string {
  if (Buffer.byteLength(name, 'utf8') <= maxBytes) return name;
  const suffix = `_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
  let head = '';
  for (const ch of name) {
    if (Buffer.byteLength(head + ch, 'utf8') + suffix.length > maxBytes) break;
    head += ch;
  }
  return head + suffix;
}
