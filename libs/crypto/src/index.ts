export { SecretOpenError, type SecretOpenFailure } from './errors';
export { DEFAULT_KEY_ID, KEY_BYTES, generateKey, isValidKeyId, parseKeyring, type Keyring } from './keyring';
export { NONCE_BYTES, TAG_BYTES, SecretBox, decodeSealed, encodeSealed, type SealedSecret } from './secret-box';
