import { UsageError } from './cli-error';

/** A whole number option within bounds, or a usage error naming the option. */
export function intOption(name: string, value: string | number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name}: must be a whole number from ${min} to ${max} (got "${text}")`);
  return n;
}

export function choiceOption<T extends string>(name: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`${name}: must be one of ${choices.join(', ')} (got "${value}")`);
  return value as T;
}

/** A comma-separated or repeated list option, flattened. */
export function listOption(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.length ? items : undefined;
}

export const collect = (value: string, previous: string[] = []) => [...previous, value];
