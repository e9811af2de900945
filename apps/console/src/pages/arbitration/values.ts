import { keyText } from '../runs/format';

/** One value of a row in the API's lossless JSON, as text: 64-bit integers and bytes decoded, NULL said as such. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (typeof o.$int === 'string' || typeof o.$bytes === 'string') return keyText([value]);
    return JSON.stringify(value);
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The key of a differing row for the arbiter's `key` parameter: the value of a one-column key, else a JSON object by column. */
export function arbiterKey(key: unknown[], keyColumns: string[]): string {
  const plain = key.map((v) => (v && typeof v === 'object' && typeof (v as { $int?: unknown }).$int === 'string' ? (v as { $int: string }).$int : v));
  if (plain.length === 1 && keyColumns.length <= 1) return typeof plain[0] === 'string' ? plain[0] : JSON.stringify(plain[0]);
  return JSON.stringify(Object.fromEntries(keyColumns.map((c, i) => [c, plain[i]])));
}
