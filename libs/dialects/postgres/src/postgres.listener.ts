import { loadPg } from './postgres.load-driver';
import { quotePostgresIdentifier } from './postgres.sql';

export interface PostgresListenOptions {
  url: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  channels: readonly string[];
  onNotification: (channel: string, payload: string) => void;
  /** Called once when the connection fails or ends after it was listening; never after close(). */
  onEnd: (error?: Error) => void;
}

export interface PostgresListener {
  close(): Promise<void>;
}

/**
 * One connection that LISTENs on `channels` (NOTIFY's payloads come to onNotification as they
 * are committed). Resolves once it listens; rejects, with the connection closed, when it cannot.
 * Keeping it alive (reconnecting) is the caller's choice: onEnd says when it is gone.
 */
export async function listenPostgres(options: PostgresListenOptions): Promise<PostgresListener> {
  const { Client } = loadPg();
  const client = new Client({ connectionString: options.url, application_name: options.applicationName });
  let state: 'connecting' | 'listening' | 'closed' = 'connecting';
  const ended = (error?: Error) => {
    if (state !== 'listening') return;
    state = 'closed';
    void client.end().catch(() => undefined);
    options.onEnd(error);
  };
  client.on('error', ended);
  client.on('end', () => ended());
  client.on('notification', (message) => {
    if (state === 'listening') options.onNotification(message.channel, message.payload ?? '');
  });
  try {
    await client.connect();
    for (const channel of options.channels) await client.query(`LISTEN ${quotePostgresIdentifier(channel)}`);
  } catch (error) {
    state = 'closed';
    await client.end().catch(() => undefined);
    throw error;
  }
  state = 'listening';
  return {
    async close() {
      if (state === 'closed') return;
      state = 'closed';
      await client.end().catch(() => undefined);
    },
  };
}
