import type { NeutralValue } from '@dbferry/dialects-core';

/**
 * Key values as JSON for the control store (chunk bounds, watermarks), losslessly:
 * bigint → {"$int": "…"}, Buffer → {"$bytes": "<base64>"}; strings, numbers, booleans,
 * null and arrays as themselves. Decoding gives back the exact NeutralValue.
 */
export type EncodedValue = null | boolean | number | string | { $int: string } | { $bytes: string } | EncodedValue[];

export function encodeValue(value: NeutralValue): EncodedValue {
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (Array.isArray(value)) return value.map(encodeValue);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`a key cannot hold ${value}`);
  return value;
}

export function decodeValue(value: EncodedValue): NeutralValue {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value !== null && typeof value === 'object') {
    if ('$int' in value) return BigInt(value.$int);
    if ('$bytes' in value) return Buffer.from(value.$bytes, 'base64');
    throw new Error('unknown encoded value');
  }
  return value;
}

export const encodeKey = (key: NeutralValue[] | undefined): EncodedValue[] | null => (key ? key.map(encodeValue) : null);
export const decodeKey = (key: EncodedValue[] | null | undefined): NeutralValue[] | undefined => (key ? key.map(decodeValue) : undefined);
