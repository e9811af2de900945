import { createHash, createPublicKey, publicEncrypt, constants } from 'node:crypto';
import { TLSSocket } from 'node:tls';
import type { ConnectionOptions } from 'mysql2';
import { ConnectionSpecError, TerminalDbError, stringOption, type ConnectionSpec } from '@dbferry/dialects-core';

/** The option holding the server's RSA public key (PEM), used instead of one the server sends. */
export const MYSQL_SERVER_PUBLIC_KEY_OPTION = 'serverPublicKey';

type AuthPlugins = NonNullable<ConnectionOptions['authPlugins']>;
type PluginContext = Parameters<AuthPlugins[string]>[0];
type PluginAnswer = Buffer | Promise<Buffer> | null;

/**
 * Refused exchanges end the handshake with this error (mysql2 stamps its own `code` on it, so it
 * is not a DbError; classifyError makes it one). The words name what to change, never the password.
 */
export class MysqlAuthRefusedError extends Error {
  constructor(plugin: string, why: string) {
    super(`the server asked for ${plugin}, which ${why}; the password was not sent`);
  }

  toDbError(): TerminalDbError {
    return new TerminalDbError('authentication-failed', this.message, { cause: this });
  }
}

/** The pinned key as node reads it; a ConnectionSpecError naming the option when it is not one. */
export function pinnedServerKey(spec: ConnectionSpec): string | undefined {
  const pem = stringOption(spec.options, MYSQL_SERVER_PUBLIC_KEY_OPTION);
  if (pem === undefined) return undefined;
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    throw new ConnectionSpecError(`options.${MYSQL_SERVER_PUBLIC_KEY_OPTION}`, 'must be the server\'s RSA public key in PEM form');
  }
  return pem;
}

function xorRotating(input: Buffer, scramble: Buffer): Buffer {
  const out = Buffer.alloc(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i] ^ scramble[i % scramble.length];
  return out;
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** caching_sha2_password's scramble: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce); the password cannot be read back from it. */
function scrambleToken(password: string, nonce: Buffer): Buffer {
  if (!password) return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, 'utf8'));
  const stage3 = sha256(Buffer.concat([sha256(stage1), nonce]));
  return Buffer.from(stage1.map((b, i) => b ^ stage3[i]));
}

function encryptWithKey(password: string, nonce: Buffer, pem: string): Buffer {
  return publicEncrypt({ key: pem, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING }, xorRotating(Buffer.from(`${password}\0`, 'utf8'), nonce));
}

function onTls(context: PluginContext): boolean {
  const stream = (context.connection as unknown as { stream?: unknown }).stream;
  return stream instanceof TLSSocket && stream.encrypted === true;
}

/**
 * mysql2's own sha256_password and caching_sha2_password plugins encrypt the password with
 * whatever RSA key the server sends, so a server at a changed address could read it; its
 * mysql_clear_password sends it as is. These replacements send the password in a readable
 * form only inside TLS, encrypt it only with a key pinned in the connection's options, and
 * otherwise end the handshake. mysql_native_password (a hash exchange) stays mysql2's own.
 */
export function guardedAuthPlugins(pinnedKey: string | undefined): AuthPlugins {
  // Read when asked: mysql2 swaps in the factor's own password for a multi-factor exchange.
  const passwordOf = (context: PluginContext) => (context.connection as unknown as { config: { password?: string } }).config.password ?? '';
  const refuse = (plugin: string) =>
    Promise.reject(
      new MysqlAuthRefusedError(plugin, `would let it read the password without TLS; turn on options.ssl or pin its key in options.${MYSQL_SERVER_PUBLIC_KEY_OPTION}`),
    );
  const fullAuth = (context: PluginContext, plugin: string, nonce: Buffer): PluginAnswer => {
    if (onTls(context)) return Buffer.from(`${passwordOf(context)}\0`, 'utf8');
    if (pinnedKey) return encryptWithKey(passwordOf(context), nonce, pinnedKey);
    return refuse(plugin);
  };
  return {
    sha256_password: (context) => {
      let done = false;
      return (data: Buffer): PluginAnswer => {
        if (done) return Promise.reject(new MysqlAuthRefusedError('sha256_password', 'sent an unexpected extra packet'));
        done = true;
        return fullAuth(context, 'sha256_password', Buffer.from(data).subarray(0, 20));
      };
    },
    caching_sha2_password: (context) => {
      let nonce: Buffer | undefined;
      let final = false;
      return (data: Buffer): PluginAnswer => {
        const packet = Buffer.from(data);
        if (!nonce) {
          nonce = packet.subarray(0, 20);
          return scrambleToken(passwordOf(context), nonce);
        }
        if (!final && packet.length === 1 && packet[0] === 3) {
          final = true; // fast authentication succeeded
          return null;
        }
        if (!final && packet.length === 1 && packet[0] === 4) {
          final = true;
          return fullAuth(context, 'caching_sha2_password full authentication', nonce);
        }
        return Promise.reject(new MysqlAuthRefusedError('caching_sha2_password', 'sent an unexpected packet (a public key is never taken from the server)'));
      };
    },
    mysql_clear_password: () => (): PluginAnswer => Promise.reject(new MysqlAuthRefusedError('mysql_clear_password', 'sends the password as plain text')),
  };
}
