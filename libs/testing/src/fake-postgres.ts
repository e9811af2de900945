import { type FakeServer, listenFakeServer } from './fake-server';

export interface FakePostgresServer extends FakeServer {
  /** Connections that got as far as the password request. */
  readonly asked: number;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

/**
 * A PostgreSQL server that speaks just enough of the protocol to ask for the password in plain
 * text (AuthenticationCleartextPassword), refusing TLS, and records what clients send. It never
 * lets anyone in.
 */
export async function startFakePostgres(): Promise<FakePostgresServer> {
  let asked = 0;
  const server = await listenFakeServer('PostgreSQL', (socket) => {
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on('data', (data) => {
      buffered = Buffer.concat([buffered, data]);
      for (;;) {
        if (!started) {
          if (buffered.length < 8) return;
          const length = buffered.readInt32BE(0);
          if (buffered.length < length) return;
          const code = buffered.readInt32BE(4);
          buffered = buffered.subarray(length);
          if (code === SSL_REQUEST || code === GSS_REQUEST) {
            socket.write('N');
            continue;
          }
          started = true;
          asked++;
          socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3])); // 'R', cleartext password
          continue;
        }
        if (buffered.length < 5) return;
        const length = buffered.readInt32BE(1);
        if (buffered.length < 1 + length) return;
        buffered = buffered.subarray(1 + length);
        const text = Buffer.from('SFATAL\0C28P01\0Mpassword authentication failed (fake server)\0\0');
        const error = Buffer.alloc(5);
        error[0] = 0x45; // 'E'
        error.writeInt32BE(4 + text.length, 1);
        socket.end(Buffer.concat([error, text]));
        return;
      }
    });
  });
  return {
    ...server,
    get asked() {
      return asked;
    },
  };
}
