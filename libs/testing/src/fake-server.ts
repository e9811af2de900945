import { createServer, type Socket } from 'node:net';
import type { Dialect, DialectName, ResolvedConnectionSpec } from '@dbferry/dialects-core';

/** What every fake database server offers: its port, what clients sent, and a way to stop it. */
export interface FakeServer {
  readonly port: number;
  /** Every byte every client sent, in order. */
  received(): Buffer;
  /** Drops every client and stops listening. */
  close(): Promise<void>;
}

/**
 * The TCP side shared by the fake database servers (fake-postgres, fake-mysql, fake-mssql):
 * listens on a free 127.0.0.1 port, records every byte before `onConnection`'s own 'data'
 * handlers see it, ignores socket errors, and on close destroys every client still connected.
 * `label` names the product in the one error it can throw.
 */
export async function listenFakeServer(label: string, onConnection: (socket: Socket) => void): Promise<FakeServer> {
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.on('data', (data) => chunks.push(Buffer.from(data)));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error(`fake ${label} server has no port`);
  return {
    port: address.port,
    received: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A resolved spec for a fake server on 127.0.0.1 (database 'sales', user 'dbferry'). */
export function fakeServerSpec(dialect: DialectName, port: number, password: string, options: ResolvedConnectionSpec['options'] = {}): ResolvedConnectionSpec {
  return { dialect, host: '127.0.0.1', address: '127.0.0.1', port, database: 'sales', username: 'dbferry', password, options };
}

/** What `dialect.connect` rejected with, or undefined when it connected (the session is then closed). */
export async function connectError(dialect: Dialect, spec: ResolvedConnectionSpec, timeoutMs: number): Promise<unknown> {
  try {
    const session = await dialect.connect(spec, { timeoutMs });
    await session.close();
    return undefined;
  } catch (error) {
    return error;
  }
}
