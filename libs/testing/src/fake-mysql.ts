import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from 'node:crypto';
import { type FakeServer, listenFakeServer } from './fake-server';

/**
 * How the fake server tries to get the password after the client's handshake response:
 * - `sha256-switch`: switch to sha256_password and hand over its own RSA key on request;
 * - `caching-sha2-full`: switch to caching_sha2_password, demand full authentication, hand
 *   over its own RSA key on request;
 * - `clear-switch`: switch to mysql_clear_password;
 * - `sha256-hello`: advertise sha256_password in the greeting itself.
 */
export type FakeMysqlMode = 'sha256-switch' | 'caching-sha2-full' | 'clear-switch' | 'sha256-hello';

export interface FakeMysqlServer extends FakeServer {
  /** Connections accepted so far. */
  readonly connections: number;
  /** Auth switch or public-key packets sent: the exchange got as far as the attack. */
  readonly lures: number;
  /** Passwords read from what clients sent: in clear, or RSA-decrypted with the server's own key. */
  readonly recovered: string[];
}

const CAPABILITIES =
  0x1 | // LONG_PASSWORD (a MySQL server, not MariaDB)
  0x8 | // CONNECT_WITH_DB
  0x200 | // PROTOCOL_41
  0x2000 | // TRANSACTIONS
  0x8000 | // SECURE_CONNECTION
  0x80000 | // PLUGIN_AUTH
  0x200000; // PLUGIN_AUTH_LENENC_CLIENT_DATA

function frame(seq: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = seq & 0xff;
  return Buffer.concat([header, payload]);
}

function greeting(nonce: Buffer, plugin: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x0a]),
    Buffer.from('8.0.36-fake\0'),
    Buffer.from([1, 0, 0, 0]), // connection id
    nonce.subarray(0, 8),
    Buffer.from([0]),
    Buffer.from([CAPABILITIES & 0xff, (CAPABILITIES >> 8) & 0xff]),
    Buffer.from([45]), // utf8mb4
    Buffer.from([2, 0]), // status: autocommit
    Buffer.from([(CAPABILITIES >> 16) & 0xff, (CAPABILITIES >> 24) & 0xff]),
    Buffer.from([21]),
    Buffer.alloc(10),
    nonce.subarray(8, 20),
    Buffer.from([0]),
    Buffer.from(`${plugin}\0`),
  ]);
}

const accessDenied = () => Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied (fake server)')]);

/**
 * A MySQL server that speaks just enough of the protocol to ask a client for its password in
 * a form it can read, and records everything the client sends. It never lets anyone in.
 */
export async function startFakeMysql(mode: FakeMysqlMode): Promise<FakeMysqlServer> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const recovered: string[] = [];
  let connections = 0;
  let lures = 0;

  const tryRead = (payload: Buffer, nonce: Buffer) => {
    // In clear (sha256 or clear password over a plain socket): NUL-terminated UTF-8.
    const text = payload.toString('utf8').replace(/\0$/, '');
    if (payload.length > 1 && payload[payload.length - 1] === 0 && !text.includes('\0')) recovered.push(text);
    if (payload.length === 256) {
      try {
        const plain = privateDecrypt({ key: privateKey, oaepHash: 'sha1', padding: constants.RSA_PKCS1_OAEP_PADDING }, payload);
        const xored = Buffer.from(plain.map((b, i) => b ^ nonce[i % nonce.length]));
        recovered.push(xored.toString('utf8').replace(/\0$/, ''));
      } catch {
        // not encrypted with our key
      }
    }
  };

  const server = await listenFakeServer('MySQL', (socket) => {
    connections++;
    const nonce = Buffer.from(randomBytes(20).map((b) => (b === 0 ? 1 : b))); // no NUL inside the scramble
    let buffered = Buffer.alloc(0);
    let step = 0;
    const send = (seq: number, payload: Buffer) => socket.write(frame(seq, payload));
    const lure = (seq: number, payload: Buffer) => {
      lures++;
      send(seq, payload);
    };
    const switchTo = (seq: number, plugin: string) => lure(seq, Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${plugin}\0`), nonce, Buffer.from([0])]));
    const moreData = (seq: number, data: Buffer) => lure(seq, Buffer.concat([Buffer.from([0x01]), data]));

    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 4) {
        const length = buffered.readUIntLE(0, 3);
        if (buffered.length < 4 + length) return;
        const seq = buffered[3];
        const payload = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        step++;
        if (step > 1) tryRead(payload, nonce);
        const next = seq + 1;
        if (step === 1) {
          // The handshake response: switch to the plugin that reveals the password.
          if (mode === 'sha256-switch') switchTo(next, 'sha256_password');
          else if (mode === 'caching-sha2-full') switchTo(next, 'caching_sha2_password');
          else if (mode === 'clear-switch') switchTo(next, 'mysql_clear_password');
          else switchTo(next, 'sha256_password'); // a client that answered the greeting with another plugin
        } else if (payload.length === 1 && (payload[0] === 0x01 || payload[0] === 0x02)) {
          moreData(next, Buffer.from(pem)); // "send me your public key": here is ours
        } else if (mode === 'caching-sha2-full' && step === 2) {
          moreData(next, Buffer.from([0x04])); // the scramble: ask for full authentication
        } else {
          send(next, accessDenied());
          socket.end();
        }
      }
    });
    socket.write(frame(0, greeting(nonce, mode === 'sha256-hello' ? 'sha256_password' : 'mysql_native_password')));
  });

  return {
    ...server,
    get connections() {
      return connections;
    },
    get lures() {
      return lures;
    },
    recovered,
  };
}
