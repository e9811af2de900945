/** Times as "2026-11-23 09:30:15" in the browser's zone (ISO-8601 in the title for the exact value). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A counter (a JSON number, or a decimal string past 2^53) with thousands separators. */
export function formatCount(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return value.toLocaleString('en-US');
  return /^\d+$/.test(value) ? value.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : value;
}

/** Seconds between two times (to now while the second is missing); null before the first. */
export function secondsBetween(from: string | null | undefined, to: string | null | undefined, now = Date.now()): number | null {
  if (!from) return null;
  return ((to ? Date.parse(to) : now) - Date.parse(from)) / 1000;
}

/** A reject's key as its values, decoding the API's lossless JSON ({"$int": "…"}, {"$bytes": "<base64>"} as hex). */
export function keyText(key: unknown[]): string {
  return key
    .map((v) => {
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o.$int === 'string') return o.$int;
        if (typeof o.$bytes === 'string') return `0x${[...atob(o.$bytes)].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
      }
      return typeof v === 'string' ? v : JSON.stringify(v);
    })
    .join(', ');
}

/** "Queued since" choices, kept in the URL by name so a shared link means the same window later. */
export const SINCE_CHOICES = [
  { value: '1h', label: 'Last hour', ms: 3_600_000 },
  { value: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { value: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { value: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;

/** The `since` query parameter of GET /api/runs for a choice (undefined: any time). */
export function sinceFor(choice: string | null, now = Date.now()): string | undefined {
  const found = SINCE_CHOICES.find((c) => c.value === choice);
  return found ? new Date(now - found.ms).toISOString() : undefined;
}
