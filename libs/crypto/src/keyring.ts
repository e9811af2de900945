import { createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** AES-256 key length in bytes. */
export const KEY_BYTES = 32;

/** Key id used when SECRETS_KEY holds a single bare base64 key. */
export const DEFAULT_KEY_ID = 'k1';

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The keys a SecretBox may use. `currentKeyId` seals; every key in `keys` (including the
 * current one) opens. Keys are KeyObjects, so logging a keyring never prints key material.
 */
export interface Keyring {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, KeyObject>;
}

export function isValidKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/**
 * Parses the SECRETS_KEY value: `keyId:base64key[,keyId:base64key…]`, the first entry being
 * the current (sealing) key and the rest accepted for opening only; or one bare base64 key,
 * which gets the id "k1". Each key must decode to exactly 32 bytes.
 *
 * Errors name SECRETS_KEY, the entry and the problem, never the key material.
 */
export function parseKeyring(value: string): Keyring {
  const fail = (problem: string): never => {
    throw new Error(`SECRETS_KEY: ${problem}`);
  };
  if (typeof value !== 'string' || value.trim() === '') {
    fail('is empty; expected "keyId:base64key[,keyId:base64key…]" or one base64 32-byte key');
  }

  const entries = value.split(',').map((e) => e.trim());
  const keys = new Map<string, KeyObject>();
  let currentKeyId: string | undefined;

  entries.forEach((entry, index) => {
    const where = entries.length > 1 ? `entry ${index + 1}` : 'the key';
    if (entry === '') fail(`${where} is empty (stray comma?)`);

    const colon = entry.indexOf(':');
    let id: string;
    let encoded: string;
    if (colon === -1) {
      if (entries.length > 1) fail(`${where} has no key id; use "keyId:base64key" when listing several keys`);
      id = DEFAULT_KEY_ID;
      encoded = entry;
    } else {
      id = entry.slice(0, colon).trim();
      encoded = entry.slice(colon + 1).trim();
    }

    if (!KEY_ID.test(id)) {
      // The id is not secret, but a malformed entry might be a key pasted in the wrong place:
      // report only its length.
      fail(`${where} has an invalid key id (${id.length} chars); ids are 1-32 of [A-Za-z0-9_-]`);
    }
    const label = `${where} (key id "${id}")`;
    if (keys.has(id)) fail(`${label} is a duplicate key id`);
    if (encoded === '') fail(`${label} has no key after the colon`);
    if (!BASE64.test(encoded)) fail(`${label} is not valid base64`);

    const raw = Buffer.from(encoded, 'base64');
    try {
      if (raw.length !== KEY_BYTES) {
        fail(`${label} decodes to ${raw.length} bytes; AES-256 needs exactly ${KEY_BYTES}`);
      }
      keys.set(id, createSecretKey(raw));
    } finally {
      raw.fill(0);
    }
    currentKeyId ??= id;
  });

  return { currentKeyId: currentKeyId as string, keys };
}

/** A fresh random 32-byte key, base64-encoded, for SECRETS_KEY. */
export function generateKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
