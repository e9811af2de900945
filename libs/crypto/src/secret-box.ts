import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SecretOpenError } from './errors';
import { isValidKeyId, KEY_BYTES, type Keyring } from './keyring';

const ALGORITHM = 'aes-256-gcm';
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ENCODING_VERSION = 'v1';

/**
 * A sealed secret as stored beside its row: the id of the key that sealed it and
 * `nonce(12) || ciphertext || tag(16)`.
 */
export interface SealedSecret {
  keyId: string;
  ciphertext: Buffer;
}

/**
 * Seals and opens secrets with AES-256-GCM. Each seal uses a fresh random nonce and binds
 * the record id (`aad`, e.g. `connection:<uuid>:password`) as associated data, so a
 * ciphertext copied to another row, or under another purpose, does not open.
 */
export class SecretBox {
  private readonly keyring: Keyring;

  constructor(keyring: Keyring) {
    if (!keyring || !isValidKeyId(keyring.currentKeyId) || !keyring.keys.has(keyring.currentKeyId)) {
      throw new Error('SecretBox: the keyring has no valid current key');
    }
    for (const [id, key] of keyring.keys) {
      if (!isValidKeyId(id)) throw new Error('SecretBox: the keyring has an invalid key id');
      if (key.type !== 'secret' || key.symmetricKeySize !== KEY_BYTES) {
        throw new Error(`SecretBox: key "${id}" is not a ${KEY_BYTES}-byte secret key`);
      }
    }
    this.keyring = { currentKeyId: keyring.currentKeyId, keys: new Map(keyring.keys) };
  }

  /** The key id new seals are made under. */
  get currentKeyId(): string {
    return this.keyring.currentKeyId;
  }

  seal(plaintext: string, aad: string): SealedSecret {
    if (typeof plaintext !== 'string') throw new TypeError('SecretBox.seal: plaintext must be a string');
    const data = Buffer.from(plaintext, 'utf8');
    if (data.toString('utf8') !== plaintext) {
      throw new TypeError('SecretBox.seal: plaintext is not well-formed UTF-16 (lone surrogate)');
    }
    const keyId = this.keyring.currentKeyId;
    const key = this.keyring.keys.get(keyId);
    if (!key) throw new Error('SecretBox: the current key is missing from the keyring');
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aadBytes(aad, 'seal'));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    data.fill(0);
    return { keyId, ciphertext: Buffer.concat([nonce, body, cipher.getAuthTag()]) };
  }

  /**
   * Opens a sealed secret. Throws SecretOpenError when the key id is unknown, the input is
   * truncated or malformed, or authentication fails (tampered bytes, or the wrong `aad`).
   */
  open(sealed: SealedSecret, aad: string): string {
    const associated = aadBytes(aad, 'open');
    if (!sealed || typeof sealed.keyId !== 'string' || !Buffer.isBuffer(sealed.ciphertext)) {
      throw new SecretOpenError('malformed', 'not a sealed secret');
    }
    const key = this.keyring.keys.get(sealed.keyId);
    if (!key) {
      const id = isValidKeyId(sealed.keyId) ? `"${sealed.keyId}"` : '(invalid)';
      throw new SecretOpenError('unknown-key', `key id ${id} is not in SECRETS_KEY`);
    }
    const buf = sealed.ciphertext;
    if (buf.length < NONCE_BYTES + TAG_BYTES) {
      throw new SecretOpenError('malformed', `ciphertext is truncated (${buf.length} bytes)`);
    }
    const nonce = buf.subarray(0, NONCE_BYTES);
    const body = buf.subarray(NONCE_BYTES, buf.length - TAG_BYTES);
    const tag = buf.subarray(buf.length - TAG_BYTES);

    let plain: Buffer;
    try {
      const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associated);
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new SecretOpenError(
        'authentication-failed',
        `authentication failed under key "${sealed.keyId}" (tampered, truncated, or sealed for another record)`,
      );
    }
    const text = plain.toString('utf8');
    plain.fill(0);
    return text;
  }

  /** True when the secret was sealed under a key other than the current one. */
  needsRotation(sealed: SealedSecret): boolean {
    return sealed.keyId !== this.keyring.currentKeyId;
  }

  /** Opens and re-seals under the current key (for key rotation). */
  reseal(sealed: SealedSecret, aad: string): SealedSecret {
    return this.seal(this.open(sealed, aad), aad);
  }
}

function aadBytes(aad: string, op: string): Buffer {
  if (typeof aad !== 'string' || aad === '') {
    throw new TypeError(`SecretBox.${op}: aad (the record id) must be a non-empty string`);
  }
  return Buffer.from(aad, 'utf8');
}

/** Compact storage form of a sealed secret: `v1.<keyId>.<base64>`. */
export function encodeSealed(sealed: SealedSecret): string {
  if (!isValidKeyId(sealed.keyId)) throw new TypeError('encodeSealed: invalid key id');
  return `${ENCODING_VERSION}.${sealed.keyId}.${sealed.ciphertext.toString('base64')}`;
}

/** Parses `v1.<keyId>.<base64>`; throws SecretOpenError('malformed') on anything else. */
export function decodeSealed(encoded: string): SealedSecret {
  const parts = typeof encoded === 'string' ? encoded.split('.') : [];
  if (parts.length !== 3) throw new SecretOpenError('malformed', 'expected "v1.<keyId>.<base64>"');
  const [version, keyId, data] = parts;
  if (version !== ENCODING_VERSION) {
    throw new SecretOpenError('malformed', 'unsupported encoding version');
  }
  if (!isValidKeyId(keyId)) throw new SecretOpenError('malformed', 'invalid key id');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) {
    throw new SecretOpenError('malformed', 'ciphertext is not valid base64');
  }
  return { keyId, ciphertext: Buffer.from(data, 'base64') };
}
