import { randomBytes } from 'node:crypto';
import { type ColumnTransform, parseTransformFlag, parseTransforms, TransformError } from '@dbferry/engine';
import { UsageError } from '../cli-error';

/** A salt shorter than this is refused: a short secret makes hashes of short values guessable. */
export const MIN_SALT_LENGTH = 16;

/**
 * `--transform` flags as transforms (parseTransformFlag: `email:mask=hash`, `id:rename=customer_id`,
 * `full_name:expr=first_name || ' ' || last_name`; `email=mask:hash` is read the same). A bad one
 * is a usage error naming it (exit 2).
 */
export function transformsFromFlags(specs: string[] | undefined): ColumnTransform[] | undefined {
  if (!specs?.length) return undefined;
  const list = specs.map((spec) => {
    try {
      return parseTransformFlag(spec);
    } catch (error) {
      if (error instanceof TransformError) throw new UsageError(`--transform "${spec}": ${error.message.slice(error.field.length + 2)}`);
      throw error;
    }
  });
  return checked(list, '--transform');
}

/**
 * A replication file's per-table `transform:` list: entries as objects (`{column: email, mask:
 * hash}`, the API's shape) or as flag strings (`email:mask=hash`).
 */
export function transformsFromFile(list: unknown[], field: string): ColumnTransform[] {
  const parsed = list.map((entry, j) => {
    if (typeof entry !== 'string') return entry;
    try {
      return parseTransformFlag(entry);
    } catch (error) {
      if (error instanceof TransformError) throw new UsageError(`${field}[${j}]: ${error.message.slice(error.field.length + 2)}`);
      throw error;
    }
  });
  return checked(parsed, field);
}

/** The list checked as a whole (one entry per column, known properties), errors placed on `field`. */
function checked(list: unknown[], field: string): ColumnTransform[] {
  try {
    return parseTransforms(list);
  } catch (error) {
    if (error instanceof TransformError) throw new UsageError(`${field}${error.field.replace(/^transforms/, '')}: ${error.message.slice(error.field.length + 2)}`);
    throw error;
  }
}

/** Several lists for one table: the file's first, then the flags' (a column in both is refused by the engine's check). */
export function mergeTransforms(field: string, ...lists: (ColumnTransform[] | undefined)[]): ColumnTransform[] | undefined {
  const all = lists.flatMap((l) => l ?? []);
  return all.length ? checked(all, field) : undefined;
}

export interface SaltChoice {
  salt: Buffer;
  /** Where it came from; 'generated' means hashes will differ from any other copy's. */
  from: '--salt' | 'DBFERRY_SALT' | 'generated';
}

/**
 * The salt a one-shot copy hashes with: `--salt`, else the DBFERRY_SALT environment variable
 * (its UTF-8 bytes, at least 16 characters), else 32 random bytes for this copy only.
 */
export function chooseSalt(option: string | undefined, env: NodeJS.ProcessEnv = process.env): SaltChoice {
  const given = option ?? env.DBFERRY_SALT;
  const from = option !== undefined ? '--salt' : 'DBFERRY_SALT';
  if (given === undefined || given === '') return { salt: randomBytes(32), from: 'generated' };
  if ([...given].length < MIN_SALT_LENGTH) throw new UsageError(`${from}: must be at least ${MIN_SALT_LENGTH} characters (a secret: hashes of short values under a short salt can be guessed)`);
  return { salt: Buffer.from(given, 'utf8'), from };
}

/** Whether any table hashes a column (and so needs the salt). */
export function hashesAny(tables: { transforms?: ColumnTransform[] }[]): boolean {
  return tables.some((t) => t.transforms?.some((x) => x.mask === 'hash'));
}
