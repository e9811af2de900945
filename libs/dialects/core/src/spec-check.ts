import { isIP } from 'node:net';
import type { ConnectionSpec } from './dialect';
import { isValidHostname } from './egress';
import { ConnectionSpecError } from './errors';

/** Checks shared by every dialect; each dialect's validateSpec adds its own. */
export function checkCommonSpec(spec: ConnectionSpec, networked: boolean): void {
  if (typeof spec.database !== 'string' || spec.database.trim() === '') {
    throw new ConnectionSpecError('database', 'is required');
  }
  if (spec.database.includes('\0')) throw new ConnectionSpecError('database', 'contains a NUL byte');
  if (spec.port !== undefined && (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)) {
    throw new ConnectionSpecError('port', 'must be an integer from 1 to 65535');
  }
  if (networked) {
    if (!spec.host || spec.host.trim() === '') throw new ConnectionSpecError('host', 'is required');
    const bare = spec.host.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(bare) === 0 && !isValidHostname(bare)) {
      throw new ConnectionSpecError('host', 'is neither an IP address nor a host name');
    }
  } else {
    if (spec.host !== undefined && spec.host !== '') {
      throw new ConnectionSpecError('host', 'a file database takes no host');
    }
    if (spec.port !== undefined) throw new ConnectionSpecError('port', 'a file database takes no port');
  }
}

/** Reads a boolean option given as boolean or as the strings "true"/"false". */
export function booleanOption(
  options: ConnectionSpec['options'],
  key: string,
  fallback: boolean,
): boolean {
  const value = options?.[key];
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1' || value === 1) return true;
  if (value === 'false' || value === '0' || value === 0) return false;
  throw new ConnectionSpecError(`options.${key}`, 'must be true or false');
}

export function stringOption(options: ConnectionSpec['options'], key: string): string | undefined {
  const value = options?.[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new ConnectionSpecError(`options.${key}`, 'must be a string');
  return value;
}
