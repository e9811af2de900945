import { FilterError } from './filter-error';

/** The nodes node-sql-parser returns, read defensively: any shape the converter does not know is refused. */
export type Node = Record<string, unknown>;

export const isNode = (x: unknown): x is Node => typeof x === 'object' && x !== null && !Array.isArray(x);
export const isEmpty = (v: unknown): boolean =>
  v === null || v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0);
export const asciiLower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
export const short = (s: string): string => (s.length > 64 ? `${s.slice(0, 61)}...` : s);
export const undouble = (s: string, q: string): string => s.split(q + q).join(q);

/** Refuses any property the converter does not read (COLLATE, OVER, DISTINCT, JSON arrows…). */
export function onlyKeys(node: Node, allowed: readonly string[], what: string): void {
  for (const [key, v] of Object.entries(node)) {
    if (key === 'type' || key === 'parentheses' || key === 'loc' || allowed.includes(key) || isEmpty(v)) continue;
    throw new FilterError('unsupported', `${what} with ${key} is not supported`);
  }
}

