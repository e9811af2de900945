import { createSecretKey, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  SecretBox,
  SecretOpenError,
  decodeSealed,
  encodeSealed,
  generateKey,
  parseKeyring,
  type SealedSecret,
} from './index';

const keyA = generateKey();
const keyB = generateKey();
const box = new SecretBox(parseKeyring(`a:${keyA}`));

const aad1 = 'connection:6f1c1f4e-0000-4000-8000-000000000001:password';
const aad2 = 'connection:6f1c1f4e-0000-4000-8000-000000000002:password';

function flip(sealed: SealedSecret, index: number): SealedSecret {
  const ciphertext = Buffer.from(sealed.ciphertext);
  const i = index < 0 ? ciphertext.length + index : index;
  ciphertext[i] ^= 0x01;
  return { keyId: sealed.keyId, ciphertext };
}

function openError(fn: () => unknown): SecretOpenError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SecretOpenError);
    return e as SecretOpenError;
  }
  throw new Error('expected a SecretOpenError');
}

function parseError(value: string): string {
  try {
    parseKeyring(value);
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  throw new Error('expected parseKeyring to throw');
}

describe('generateKey', () => {
  it('returns a base64 32-byte key, different each time', () => {
    expect(Buffer.from(keyA, 'base64')).toHaveLength(32);
    expect(keyA).not.toBe(keyB);
  });
});

describe('SecretBox seal/open', () => {
  it('round-trips', () => {
    const sealed = box.seal('s3cret-p@ss', aad1);
    expect(sealed.keyId).toBe('a');
    expect(sealed.ciphertext.length).toBe(12 + 'S3cret-p@ss'.length + 16);
    expect(box.open(sealed, aad1)).toBe('s3cret-p@ss');
  });

  it('round-trips the empty string and unicode', () => {
    for (const text of ['', 'pässwörd — 密码 🔑🦀', 'é'.repeat(10_000)]) {
      expect(box.open(box.seal(text, aad1), aad1)).toBe(text);
    }
  });

  it('uses a fresh nonce per seal', () => {
    const one = box.seal('same text', aad1);
    const two = box.seal('same text', aad1);
    expect(one.ciphertext.subarray(0, 12).equals(two.ciphertext.subarray(0, 12))).toBe(false);
    expect(one.ciphertext.equals(two.ciphertext)).toBe(false);
  });

  it('does not leave the plaintext in the ciphertext', () => {
    const sealed = box.seal('findable-plaintext', aad1);
    expect(sealed.ciphertext.includes(Buffer.from('findable-plaintext'))).toBe(false);
  });

  it('refuses a tampered ciphertext byte', () => {
    const sealed = box.seal('hunter2', aad1);
    expect(openError(() => box.open(flip(sealed, 12), aad1)).reason).toBe('authentication-failed');
  });

  it('refuses a tampered nonce', () => {
    const sealed = box.seal('hunter2', aad1);
    expect(openError(() => box.open(flip(sealed, 0), aad1)).reason).toBe('authentication-failed');
  });

  it('refuses a tampered tag', () => {
    const sealed = box.seal('hunter2', aad1);
    expect(openError(() => box.open(flip(sealed, -1), aad1)).reason).toBe('authentication-failed');
  });

  it('refuses ciphertexts swapped between rows (different AAD)', () => {
    const row1 = box.seal('password-of-row-1', aad1);
    const row2 = box.seal('password-of-row-2', aad2);
    const e1 = openError(() => box.open(row2, aad1));
    const e2 = openError(() => box.open(row1, aad2));
    expect(e1.reason).toBe('authentication-failed');
    expect(e2.reason).toBe('authentication-failed');
    expect(e1.message).not.toContain('password-of-row');
    expect(e2.message).not.toContain('password-of-row');
  });

  it('refuses truncated input', () => {
    const sealed = box.seal('hunter2', aad1);
    const short = (n: number): SealedSecret => ({ keyId: 'a', ciphertext: sealed.ciphertext.subarray(0, n) });
    expect(openError(() => box.open(short(27), aad1)).reason).toBe('malformed');
    expect(openError(() => box.open(short(0), aad1)).reason).toBe('malformed');
    expect(openError(() => box.open(short(sealed.ciphertext.length - 1), aad1)).reason).toBe(
      'authentication-failed',
    );
  });

  it('refuses an unknown key id', () => {
    const other = new SecretBox(parseKeyring(`b:${keyB}`));
    const sealed = other.seal('hunter2', aad1);
    const e = openError(() => box.open(sealed, aad1));
    expect(e.reason).toBe('unknown-key');
    expect(e.message).toContain('"b"');
    // Same id, different key material: authentication fails.
    const impostor = new SecretBox(parseKeyring(`a:${keyB}`));
    expect(openError(() => box.open(impostor.seal('x', aad1), aad1)).reason).toBe('authentication-failed');
  });

  it('never puts plaintext or key material in error messages', () => {
    const sealed = box.seal('very-secret-value', aad1);
    for (const bad of [flip(sealed, 20), { keyId: 'zz', ciphertext: sealed.ciphertext }]) {
      const e = openError(() => box.open(bad, aad2));
      expect(e.message).not.toContain('very-secret-value');
      expect(e.message).not.toContain(keyA);
      expect(e.stack ?? '').not.toContain('very-secret-value');
    }
  });

  it('requires a non-empty AAD', () => {
    expect(() => box.seal('x', '')).toThrow(TypeError);
    expect(() => box.open(box.seal('x', aad1), '')).toThrow(TypeError);
  });

  it('refuses strings that UTF-8 cannot carry losslessly', () => {
    expect(() => box.seal('bad \uD800 surrogate', aad1)).toThrow(TypeError);
  });

  it('does not print key material when inspected', () => {
    const raw = Buffer.from(keyA, 'base64');
    const printed = inspect(box, { depth: 10, showHidden: true }) + JSON.stringify(box);
    expect(printed).not.toContain(keyA);
    expect(printed).not.toContain(raw.toString('hex'));
  });
});

describe('key rotation', () => {
  it('opens old seals, flags them, re-seals under the new key, and drops the old key', () => {
    const oldBox = new SecretBox(parseKeyring(`old:${keyA}`));
    const sealedOld = oldBox.seal('rotate-me', aad1);
    expect(oldBox.needsRotation(sealedOld)).toBe(false);

    const rotating = new SecretBox(parseKeyring(`new:${keyB},old:${keyA}`));
    expect(rotating.currentKeyId).toBe('new');
    expect(rotating.open(sealedOld, aad1)).toBe('rotate-me');
    expect(rotating.needsRotation(sealedOld)).toBe(true);

    const resealed = rotating.reseal(sealedOld, aad1);
    expect(resealed.keyId).toBe('new');
    expect(rotating.needsRotation(resealed)).toBe(false);
    const manual = rotating.seal(rotating.open(sealedOld, aad1), aad1);
    expect(manual.keyId).toBe('new');

    const newOnly = new SecretBox(parseKeyring(`new:${keyB}`));
    expect(newOnly.open(resealed, aad1)).toBe('rotate-me');
    expect(newOnly.open(manual, aad1)).toBe('rotate-me');
    expect(openError(() => newOnly.open(sealedOld, aad1)).reason).toBe('unknown-key');
  });
});

describe('encodeSealed / decodeSealed', () => {
  it('round-trips through the v1 string form', () => {
    const sealed = box.seal('hunter2', aad1);
    const encoded = encodeSealed(sealed);
    expect(encoded).toMatch(/^v1\.a\.[A-Za-z0-9+/]+=*$/);
    const decoded = decodeSealed(encoded);
    expect(decoded.keyId).toBe('a');
    expect(decoded.ciphertext.equals(sealed.ciphertext)).toBe(true);
    expect(box.open(decoded, aad1)).toBe('hunter2');
  });

  it.each(['', 'v1.a', 'v2.a.AAAA', 'v1.bad id.AAAA', 'v1.a.not*base64', 'v1.a.AAA', 'v1.a.AAAA.extra'])(
    'refuses %j as malformed',
    (value) => {
      expect(openError(() => decodeSealed(value)).reason).toBe('malformed');
    },
  );
});

describe('parseKeyring', () => {
  it('accepts a bare key as "k1"', () => {
    const ring = parseKeyring(keyA);
    expect(ring.currentKeyId).toBe('k1');
    expect([...ring.keys.keys()]).toEqual(['k1']);
  });

  it('takes the first entry as current, tolerating whitespace', () => {
    const ring = parseKeyring(` new : ${keyB} ,\n old_1-x:${keyA}\n`);
    expect(ring.currentKeyId).toBe('new');
    expect([...ring.keys.keys()]).toEqual(['new', 'old_1-x']);
  });

  const short = randomBytes(16).toString('base64');
  const long = randomBytes(33).toString('base64');
  const badBase64 = `${keyA.slice(0, 20)}!!${keyA.slice(22)}`;
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /empty/],
    ['blank', '   ', /empty/],
    ['wrong length (16 bytes)', `a:${short}`, /16 bytes.*exactly 32/],
    ['wrong length (33 bytes)', `a:${long}`, /33 bytes/],
    ['wrong length bare key', short, /16 bytes/],
    ['bad base64', `a:${badBase64}`, /not valid base64/],
    ['bad base64 bare key', badBase64, /not valid base64/],
    ['duplicate id', `a:${keyA},a:${keyB}`, /duplicate/],
    ['bad id chars', `a.b:${keyA}`, /invalid key id/],
    ['id too long', `${'x'.repeat(33)}:${keyA}`, /invalid key id/],
    ['empty id', `:${keyA}`, /invalid key id/],
    ['missing key', 'a:', /no key/],
    ['stray comma', `a:${keyA},`, /entry 2 is empty/],
    ['bare key in a list', `a:${keyA},${keyB}`, /entry 2 has no key id/],
  ];

  it.each(cases)('refuses %s with a message naming SECRETS_KEY and the problem', (_name, value, problem) => {
    const message = parseError(value);
    expect(message).toMatch(/^SECRETS_KEY: /);
    expect(message).toMatch(problem);
    for (const material of [keyA, keyB, short, long, badBase64]) {
      expect(message).not.toContain(material);
      expect(message).not.toContain(material.slice(0, 8));
    }
  });

  it('refuses a wrong-length key handed to SecretBox directly', () => {
    // Bypass parseKeyring: a hand-built keyring with a 16-byte key.
    const keys = new Map([['a', createSecretKey(randomBytes(16))]]);
    expect(() => new SecretBox({ currentKeyId: 'a', keys })).toThrow(/32-byte/);
    expect(() => new SecretBox({ currentKeyId: 'missing', keys })).toThrow(/current key/);
  });
});
