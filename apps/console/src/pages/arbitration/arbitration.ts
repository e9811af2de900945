import type { Schema } from '@dbferry/api-client';
import { api, unwrap } from '../../api/client';

export type DiffView = Schema<'DiffView'>;
export type DiffListItem = Schema<'DiffListItemView'>;
export type DiffTable = Schema<'DiffTableView'>;
export type DiffRow = Schema<'DiffRowView'>;
export type ArbiterView = Schema<'ArbiterView'>;
export type RepairView = Schema<'RepairView'>;
export type RepairBody = Schema<'CreateRepairDto'>;
export type DiffBody = Schema<'CreateDiffDto'>;

export const DIFF_KINDS = ['different', 'missing', 'extra'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

/** What each kind means, from the reference's side (API.md: missing = the other lacks it). */
export const KIND_LABEL: Record<DiffKind, string> = {
  different: 'different (same key, other values)',
  missing: 'missing (the other lacks the row)',
  extra: 'extra (only the other has the row)',
};

export { arbiterKey, valueText } from './values';

export const isDiffActive = (status: string) => status === 'queued' || status === 'running';

/** The connections' names by id (the pages show names, the API ids). */
export async function connectionNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let offset = 0; ; offset += 500) {
    const page = await unwrap(api.GET('/api/connections', { params: { query: { limit: 500, offset } }, signal }));
    for (const c of page.items) names.set(c.id, c.name);
    if (names.size >= page.total || page.items.length === 0) return names;
  }
}

export const nameOf = (names: Map<string, string> | undefined, id: string) => names?.get(id) ?? id.slice(0, 8);

/** The plan for one target as its SQL (text/plain). */
export const repairSql = (id: string, connectionId: string, signal?: AbortSignal): Promise<string> =>
  unwrap(api.GET('/api/repairs/{id}/sql', { params: { path: { id }, query: { connectionId } }, parseAs: 'text', signal })) as Promise<string>;

/** Saves text as a file through the browser's download. */
export function download(text: string, filename: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A nullable text field of the repair view (its generated type is loose: no `type: String` on the DTO's nullable fields). */
export const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
