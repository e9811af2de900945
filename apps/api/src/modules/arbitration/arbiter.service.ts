import { GatewayTimeoutException, Injectable, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import type { StoredConnection } from '@dbferry/control-plane';
import type { DialectSession, TableRef } from '@dbferry/dialects-core';
import { defaultSchema } from '@dbferry/dialects';
import { arbitrate, ArbiterError, type ArbiterSideInput, formatTableRef, jsonSafeRow, parseTableRef } from '@dbferry/engine';
import { fieldError } from '../../common/validation';
import { ConnectionsService } from '../connections/connections.service';
import type { ArbiterQuery, ArbiterView } from './arbiter.dto';

/** One arbiter call reads one row per connection: past this, the databases are not answering. */
const ARBITER_TIMEOUT_MS = 30_000;

type Opened = { session: DialectSession; stored: StoredConnection };

/** A table reference as given: schema.table, or a bare name (schema left to the rule of `table`). */
function parseTable(text: string, field: string): { schema?: string; name: string } {
  const bad = (why: string) => fieldError([{ field, message: `${field}: ${why}` }]);
  const parsed = parseTableRef(text) ?? (() => {
    const bare = parseTableRef(`x.${text.trim()}`);
    return bare && { schema: undefined, name: bare.name, pattern: bare.pattern };
  })();
  if (!parsed) throw bad('must be schema.table or a table name (quote a name holding a dot: "a.b")');
  if (parsed.pattern) throw bad('names one table, not a pattern');
  return parsed.schema === undefined ? { name: parsed.name } : { schema: parsed.schema, name: parsed.name };
}

/** `key`: a JSON object for a composite key (it starts with `{`), else the one column's value as text. */
function parseKey(text: string): string | Record<string, unknown> {
  if (!text.trimStart().startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fieldError([{ field: 'key', message: `key: starts with { but is not valid JSON (${(error as Error).message.slice(0, 120)})` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fieldError([{ field: 'key', message: 'key: must be a JSON object naming each key column' }]);
  return parsed as Record<string, unknown>;
}

/** `tables`: a JSON object, connection id → schema.table, for connections of the call only. */
function parseTables(text: string | undefined, ids: string[]): Map<string, TableRef> {
  const out = new Map<string, TableRef>();
  if (text === undefined) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw fieldError([{ field: 'tables', message: `tables: is not valid JSON (${(error as Error).message.slice(0, 120)})` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw fieldError([{ field: 'tables', message: 'tables: must be a JSON object of connection id → schema.table' }]);
  for (const [id, value] of Object.entries(parsed)) {
    const field = `tables.${id.slice(0, 64)}`;
    if (!ids.includes(id)) throw fieldError([{ field, message: `${field}: is not one of connections` }]);
    if (typeof value !== 'string' || value.length > 300) throw fieldError([{ field, message: `${field}: must be schema.table (at most 300 characters)` }]);
    const ref = parseTable(value, field);
    if (ref.schema === undefined) throw fieldError([{ field, message: `${field}: must name the schema too (schema.table)` }]);
    out.set(id, { schema: ref.schema, name: ref.name });
  }
  return out;
}

@Injectable()
export class ArbiterService {
  constructor(private readonly connections: ConnectionsService) {}

  async arbitrate(query: ArbiterQuery): Promise<ArbiterView> {
    const ids = query.connections;
    const key = parseKey(query.key);
    const table = parseTable(query.table, 'table');
    const explicit = parseTables(query.tables, ids);
    for (const id of ids) {
      try {
        await this.connections.get(id);
      } catch (error) {
        if (error instanceof NotFoundException) throw fieldError([{ field: 'connections', message: `connections: connection ${id} does not exist` }]);
        throw error;
      }
    }
    const signal = AbortSignal.timeout(ARBITER_TIMEOUT_MS);
    return this.open(ids, [], async (opened) => {
      const firstDefault = defaultSchema(opened[0].stored);
      const firstSchema = table.schema ?? firstDefault;
      const sides: ArbiterSideInput[] = opened.map(({ session, stored }, i) => {
        if (!session.data) throw new ServiceUnavailableException(`${stored.dialect} rows cannot be read yet`);
        const named = explicit.get(stored.id);
        const schema = i === 0 ? firstSchema : firstSchema === firstDefault ? defaultSchema(stored) : firstSchema;
        return { connectionId: stored.id, dialect: stored.dialect, data: session.data, table: named ?? { schema, name: table.name } };
      });
      try {
        const result = await arbitrate({ key, sides, ...(query.keyColumns && { keyColumns: query.keyColumns }), ...(query.columns && { columns: query.columns }), signal });
        return {
          key: result.key,
          keyColumns: result.keyColumns,
          columns: result.columns,
          rows: Object.fromEntries(Object.entries(result.rows).map(([id, row]) => [id, row && jsonSafeRow(result.columns, row)])),
          consistent: result.consistent,
          majority: result.majority,
          groups: result.groups,
          differingColumns: result.differingColumns,
          tables: Object.fromEntries(sides.map((s) => [s.connectionId, formatTableRef(s.table)])),
          notes: result.notes,
        };
      } catch (error) {
        if (error instanceof ArbiterError) throw fieldError([{ field: fieldOf(error, explicit), message: error.message }]);
        if (signal.aborted) throw new GatewayTimeoutException(`the databases did not answer within ${ARBITER_TIMEOUT_MS / 1000} s`);
        throw error;
      }
    });
  }

  /** Opens a session on each connection in turn (egress checked each time) for the length of `use`. */
  private open<T>(ids: string[], opened: Opened[], use: (opened: Opened[]) => Promise<T>): Promise<T> {
    if (opened.length === ids.length) return use(opened);
    return this.connections.withConnection(ids[opened.length], (session, stored) => this.open(ids, [...opened, { session, stored }], use));
  }
}

/** The request field an engine refusal is about: a table named in `tables` is that entry's. */
function fieldOf(error: ArbiterError, explicit: Map<string, TableRef>): string {
  if (error.field === 'sides') return 'connections';
  if (error.field === 'table' && error.connectionId && explicit.has(error.connectionId)) return `tables.${error.connectionId}`;
  return error.field;
}
