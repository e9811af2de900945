import type { Client } from 'pg';

export interface ClientLease {
  client: Client;
  release(): Promise<void>;
}

/**
 * Hands out a client no other data-plane operation is using: the session's own when it is
 * idle, otherwise a fresh connection with the same settings, closed on release. A reader and a
 * writer on the same session (a copy within one database) thus never wait on each other.
 */
export class PostgresClients {
  private busy = false;
  private readonly extra = new Set<Client>();

  constructor(
    readonly main: Client,
    private readonly open: () => Promise<Client>,
  ) {}

  async lease(): Promise<ClientLease> {
    if (!this.busy) {
      this.busy = true;
      let released = false;
      return {
        client: this.main,
        release: async () => {
          if (released) return;
          released = true;
          this.busy = false;
        },
      };
    }
    const client = await this.open();
    this.extra.add(client);
    return {
      client,
      release: async () => {
        if (!this.extra.delete(client)) return;
        await client.end().catch(() => undefined);
      },
    };
  }

  async with<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const lease = await this.lease();
    try {
      return await work(lease.client);
    } finally {
      await lease.release();
    }
  }

  async closeAll(): Promise<void> {
    const clients = [...this.extra];
    this.extra.clear();
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

/** BEGIN … COMMIT around `work`, ROLLBACK when it throws (or always, for a probe: `end` 'ROLLBACK'). */
export async function inTransaction<T>(client: Client, begin: string, work: () => Promise<T>, end: 'COMMIT' | 'ROLLBACK' = 'COMMIT'): Promise<T> {
  await client.query(begin);
  try {
    const result = await work();
    await client.query(end);
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
