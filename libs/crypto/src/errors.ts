/** Why a sealed secret could not be opened. */
export type SecretOpenFailure = 'malformed' | 'unknown-key' | 'authentication-failed';

/**
 * Thrown when a sealed secret cannot be opened. The message names the reason and, where
 * known, the key id; it never carries plaintext, key material or ciphertext.
 */
export class SecretOpenError extends Error {
  override readonly name = 'SecretOpenError';

  constructor(
    readonly reason: SecretOpenFailure,
    detail: string,
  ) {
    super(`cannot open sealed secret: ${detail}`);
  }
}
