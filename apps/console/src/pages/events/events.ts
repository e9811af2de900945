import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';

export type EventSourceView = Schema<'EventSourceView'>;
export type InboxEventView = Schema<'InboxEventView'>;
export type FullSyncRunView = Schema<'FullSyncRunView'>;
export type FullSyncRunDetailView = Schema<'FullSyncRunDetailView'>;

export const EVENT_STATUSES = ['received', 'applied', 'skipped', 'failed'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

/** Every event source (for filters and the sources page). */
export async function loadSources(signal?: AbortSignal): Promise<EventSourceView[]> {
  return (await unwrap(api.GET('/api/event-sources', { params: { query: { limit: 200, offset: 0 } }, signal }))).items;
}

/** One mapping row of the form: fields as `column=payload.path` lines. */
export interface MappingDraft {
  entityType: string;
  connectionId: string;
  table: string;
  keyColumn: string;
  versionColumn: string;
  fields: string;
}

export const emptyMapping = (): MappingDraft => ({ entityType: '', connectionId: '', table: '', keyColumn: 'id', versionColumn: '', fields: '' });

/** `column=payload.path` lines (blank lines ignored) as the API's fields object; undefined when there are none (every column from payload.<column>). */
export function parseFields(text: string): { fields?: Record<string, string>; error?: string } {
  const fields: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0 || eq === line.length - 1) return { error: `line ${i + 1}: write column=payload.path` };
    fields[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return Object.keys(fields).length ? { fields } : {};
}

export const formatFields = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([c, p]) => `${c}=${p}`)
    .join('\n');

/** A header line `Name: value` as the API's headers object (write-only: never read back). */
export function parseHeaders(text: string): { headers?: Record<string, string>; error?: string } {
  const headers: Record<string, string> = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `line ${i + 1}: write Name: value` };
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return Object.keys(headers).length ? { headers } : {};
}
