import { createConnection, createServer, Socket } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to on 127.0.0.1. */
  readonly port: number;
  /** Connections reset by `refuse()` (open ones and those attempted while refusing). */
  readonly refused: number;
  /** Connections passed through to the upstream so far. */
  readonly accepted: number;
  /** Resets every open connection and, until `accept()`, every new one: the server seems down. */
  refuse(): void;
  /** Passes new connections through again. */
  accept(): void;
  close(): Promise<void>;
}

/**
 * A TCP pass-through on a free loopback port to `upstreamPort`, for tests that take a database
 * away mid-run. While refusing it keeps its port (nothing else can take it) and answers each
 * connection with a reset, which drivers report as ECONNRESET, as they would a restarting server.
 */
export async function startTcpProxy(upstreamPort: number, upstreamHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const clients = new WeakSet<Socket>();
  let refusing = false;
  let refused = 0;
  let accepted = 0;
  const server = createServer((client) => {
    if (refusing) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    accepted++;
    clients.add(client);
    const upstream = createConnection({ host: upstreamHost, port: upstreamPort });
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    get refused() {
      return refused;
    },
    get accepted() {
      return accepted;
    },
    refuse() {
      refusing = true;
      for (const socket of open) {
        if (clients.has(socket) && !socket.destroyed) refused++;
        socket.resetAndDestroy();
      }
    },
    accept() {
      refusing = false;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
