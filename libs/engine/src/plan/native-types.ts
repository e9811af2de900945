import { DIALECT_NAMES, type DialectName, type Introspector, type NamedType, type NeutralColumn, type SqlStyle, type TableRef } from '@dbferry/dialects-core';
import { sqlStyleOf } from '../dialect-sql';

/**
 * Dialects whose introspected `nativeType` is DDL text the same dialect takes back verbatim,
 * checked against live databases (docs/type-mapping.md): those declaring SqlStyle.nativeTypes.
 * Others go through the neutral model.
 */
export const VERBATIM_DIALECTS: readonly DialectName[] = DIALECT_NAMES.filter((name) => sqlStyleOf(name).nativeTypes !== undefined);

/** What the target column of one source column is created as, when it is not the neutral mapping. */
export interface NativeChoice {
  /** Native type text, verbatim (an operator's `types` entry, or the source's own type). */
  native?: string;
  /** Why the source's own type could not be kept: the column gets the neutral mapping instead. */
  note?: string;
}

export interface NativeTypesInput {
  sourceDialect: DialectName;
  targetDialect: DialectName;
  source: Introspector;
  target: Introspector;
}

/**
 * Picks, for a same-dialect copy, the source's own type text for each column, and the DDL it
 * needs first (a PostgreSQL enum type missing on the target is created with the same labels).
 * One instance per plan: a type is looked up, and created, once for all tables.
 */
export class NativeTypes {
  private readonly sourceTypes = new Map<string, Promise<NamedType | null>>();
  private readonly targetTypes = new Map<string, Promise<NamedType | null>>();
  private targetSchemas?: Promise<Set<string>>;
  /** Types this plan creates (qualified name → labels), so a second table reuses them. */
  private readonly created = new Map<string, string[]>();

  private readonly sql: SqlStyle;

  constructor(private readonly input: NativeTypesInput) {
    this.sql = sqlStyleOf(input.sourceDialect);
  }

  get active(): boolean {
    return this.input.sourceDialect === this.input.targetDialect && this.sql.nativeTypes !== undefined;
  }

  /**
   * The choice per column (by name) and the statements to run before the table's own DDL.
   * `operator` (the job's `types`) wins over everything.
   */
  async choose(
    tables: { source: TableRef; target: TableRef },
    columns: NeutralColumn[],
    operator: Record<string, string> = {},
  ): Promise<{ choices: Map<string, NativeChoice>; ddl: string[] }> {
    const choices = new Map<string, NativeChoice>();
    const ddl: string[] = [];
    for (const column of columns) {
      const given = operator[column.name];
      if (given !== undefined) {
        choices.set(column.name, { native: given });
        continue;
      }
      if (!this.active || !column.nativeType.trim()) continue;
      const choice = this.sql.nativeTypes?.mode === 'catalog' ? await this.fromCatalog(tables, column, ddl) : this.verbatim(column);
      if (choice) choices.set(column.name, choice);
    }
    return { choices, ddl };
  }

  private verbatim(column: NeutralColumn): NativeChoice | undefined {
    if (this.sql.nativeTypes?.keeps && !this.sql.nativeTypes.keeps(column)) return undefined;
    return { native: column.nativeType.trim() };
  }

  /** Types resolved through both catalogues (PostgreSQL): user-defined ones kept, a missing enum created. */
  private async fromCatalog(tables: { source: TableRef; target: TableRef }, column: NeutralColumn, ddl: string[]): Promise<NativeChoice | undefined> {
    const text = column.nativeType.trim();
    const dims = /(\s*\[\d*\])*$/.exec(text)?.[0] ?? '';
    const base = text.slice(0, text.length - dims.length).trim();
    const arrayText = dims.replace(/\s|\d/g, '');
    const found = await this.cached(this.sourceTypes, base, () => this.input.source.lookupType?.(base) ?? Promise.resolve(null));
    const enumKind = (column.type.kind === 'array' ? column.type.of.kind : column.type.kind) === 'enum';
    if (!found) return { native: text };
    if (found.kind === 'builtin') {
      // A text column whose CHECK (col IN …) reads as an enum: the neutral mapping keeps the CHECK.
      return enumKind ? undefined : { native: text };
    }
    const q = this.sql;
    const qualified = (schema: string) => `${q.quoteIdent(schema)}.${q.quoteIdent(found.name)}`;
    const same = qualified(found.schema);
    if (found.kind !== 'enum') {
      const there = await this.targetType(same);
      if (there) return { native: `${same}${arrayText}` };
      return { note: `type ${found.schema}.${found.name} does not exist on the target (install its extension or create it there first); created with the neutral mapping instead` };
    }

    // An enum: the source's own type if the target has it with the same labels; else the type of
    // that name in the schema the table maps to (a type beside its table follows the table).
    const labels = found.labels ?? [];
    const mappedSchema = found.schema === tables.source.schema ? tables.target.schema : found.schema;
    const candidates = [...new Set([found.schema, mappedSchema])];
    const conflicts: string[] = [];
    for (const schema of candidates) {
      const name = qualified(schema);
      const labelsThere = this.created.get(name) ?? (await this.targetType(name))?.labels;
      if (!labelsThere) continue;
      if (sameLabels(labelsThere, labels)) return { native: `${name}${arrayText}` };
      conflicts.push(`${schema}.${found.name} exists on the target with labels (${labelsThere.join(', ')})`);
    }
    const home = qualified(mappedSchema);
    if (conflicts.some((c) => c.startsWith(`${mappedSchema}.${found.name} `))) {
      return { note: `${conflicts.join('; ')}, not the source's (${labels.join(', ')}); not altered: created with the neutral mapping instead` };
    }
    const createEnum = this.sql.nativeTypes?.createEnum;
    if (!createEnum) return { note: `enum type ${found.schema}.${found.name} does not exist on the target; created with the neutral mapping instead` };
    if (!(await this.schemasOnTarget()).has(mappedSchema)) {
      return { note: `enum type ${found.schema}.${found.name} would be created in schema ${mappedSchema}, which does not exist on the target; created with the neutral mapping instead` };
    }
    ddl.push(createEnum(home, labels));
    this.created.set(home, labels);
    return { native: `${home}${arrayText}` };
  }

  private targetType(qualified: string): Promise<NamedType | null> {
    return this.cached(this.targetTypes, qualified, () => this.input.target.lookupType?.(qualified) ?? Promise.resolve(null));
  }

  private schemasOnTarget(): Promise<Set<string>> {
    this.targetSchemas ??= this.input.target.listSchemas().then((s) => new Set(s));
    return this.targetSchemas;
  }

  private cached(cache: Map<string, Promise<NamedType | null>>, key: string, load: () => Promise<NamedType | null>): Promise<NamedType | null> {
    let hit = cache.get(key);
    if (!hit) {
      hit = load();
      cache.set(key, hit);
    }
    return hit;
  }
}

const sameLabels = (a: string[], b: string[]) => a.length === b.length && a.every((l, i) => l === b[i]);
