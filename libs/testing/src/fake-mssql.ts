import { type FakeServer, listenFakeServer } from './fake-server';

export interface FakeMssqlServer extends FakeServer {
  /** PRELOGIN packets answered with "encryption not supported". */
  readonly prelogins: number;
  /** Passwords read from LOGIN7 packets (deobfuscated). */
  readonly recovered: string[];
}

const PRELOGIN = 0x12;
const LOGIN7 = 0x10;
const TABULAR_RESULT = 0x04;
const ENCRYPT_NOT_SUP = 0x02;

function packet(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = type;
  header[1] = 0x01; // end of message
  header.writeUInt16BE(8 + payload.length, 2);
  header[6] = 1;
  return Buffer.concat([header, payload]);
}

/** VERSION and ENCRYPTION options, then the terminator: "no TLS here". */
function preloginAnswer(): Buffer {
  const options = Buffer.from([0x00, 0, 11, 0, 6, 0x01, 0, 17, 0, 1, 0xff]);
  return Buffer.concat([options, Buffer.from([16, 0, 0x07, 0xd0, 0, 0]), Buffer.from([ENCRYPT_NOT_SUP])]);
}

/** LOGIN7 keeps the password UCS-2, each byte nibble-swapped and XORed with 0xA5: undo it. */
function passwordOf(login: Buffer): string {
  const offset = login.readUInt16LE(44);
  const chars = login.readUInt16LE(46);
  const bytes = Buffer.from(login.subarray(offset, offset + chars * 2).map((b) => {
    const x = b ^ 0xa5;
    return ((x & 0x0f) << 4) | (x >> 4);
  }));
  return bytes.toString('utf16le');
}

/**
 * A SQL Server that speaks just enough TDS to answer PRELOGIN with "encryption not supported",
 * so a client that goes on sends its LOGIN7 (and password) outside TLS; it reads the password
 * from it and never lets anyone in.
 */
export async function startFakeMssql(): Promise<FakeMssqlServer> {
  const recovered: string[] = [];
  let prelogins = 0;
  const server = await listenFakeServer('SQL Server', (socket) => {
    let buffered = Buffer.alloc(0);
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt16BE(2);
        if (buffered.length < length) return;
        const type = buffered[0];
        const payload = buffered.subarray(8, length);
        buffered = buffered.subarray(length);
        if (type === PRELOGIN) {
          prelogins++;
          socket.write(packet(TABULAR_RESULT, preloginAnswer()));
        } else if (type === LOGIN7) {
          recovered.push(passwordOf(payload));
          socket.destroy();
          return;
        } else {
          socket.destroy();
          return;
        }
      }
    });
  });
  return {
    ...server,
    get prelogins() {
      return prelogins;
    },
    recovered,
  };
}
