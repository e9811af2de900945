import { listenPostgres, type PostgresListener } from '@dbferry/dialect-postgres';

/** The channels the control store's triggers notify on (migration 1764050000000-ChangeNotifications), the changed row's id as payload. */
export type ChangeChannel = 'dbferry_run' | 'dbferry_diff';
export const CHANGE_CHANNELS: readonly ChangeChannel[] = ['dbferry_run', 'dbferry_diff'];

/** After a lost connection, the next attempt waits this long, doubling up to the cap. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;

export interface ChangeFeedOptions {
  url: string;
  applicationName: string;
  /** Told once per outage (the streams fall back to their own re-reads meanwhile), and once when it is over. */
  onState?: (listening: boolean, error?: Error) => void;
}

/**
 * One LISTEN connection to the control store for the whole process: a run or a diff committed
 * by any process is heard here at its commit, and handed to whoever watches that row. It is a
 * hint, never the source of truth: a watcher re-reads the row, and keeps a slow re-read of its
 * own for when this connection is down (it reconnects by itself, with a growing wait).
 */
export class ChangeFeed {
  private listener: PostgresListener | undefined;
  /** Bumped by each attempt: a late answer of an older one is dropped. */
  private attempt = 0;
  private readonly watchers = new Map<string, Set<() => void>>();
  private stopped = false;
  private retryMs = RECONNECT_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private listening = false;

  constructor(private readonly options: ChangeFeedOptions) {}

  /** Connects and listens; a failure is retried in the background (never thrown). */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.attempt++;
    clearTimeout(this.retryTimer);
    const listener = this.listener;
    this.listener = undefined;
    this.listening = false;
    await listener?.close();
  }

  /** Calls `onChange` each time the row `id` of `channel` is committed changed, until the returned function is called. */
  watch(channel: ChangeChannel, id: string, onChange: () => void): () => void {
    const key = `${channel}:${id}`;
    let set = this.watchers.get(key);
    if (!set) this.watchers.set(key, (set = new Set()));
    set.add(onChange);
    return () => {
      set.delete(onChange);
      if (!set.size) this.watchers.delete(key);
    };
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const attempt = ++this.attempt;
    let listener: PostgresListener;
    try {
      listener = await listenPostgres({
        url: this.options.url,
        applicationName: `${this.options.applicationName} (changes)`,
        channels: CHANGE_CHANNELS,
        onNotification: (channel, payload) => {
          for (const onChange of [...(this.watchers.get(`${channel}:${payload}`) ?? [])]) onChange();
        },
        onEnd: (error) => {
          if (this.listener === listener) this.lost(error);
        },
      });
    } catch (error) {
      if (attempt === this.attempt) this.lost(error as Error);
      return;
    }
    if (attempt !== this.attempt) return void listener.close();
    this.listener = listener;
    this.retryMs = RECONNECT_FIRST_MS;
    this.listening = true;
    this.options.onState?.(true);
    // Rows changed while away were not heard: wake every watcher once to re-read.
    for (const set of [...this.watchers.values()]) for (const onChange of [...set]) onChange();
  }

  /** The connection failed or ended: told once per outage, then another attempt after a growing wait (unless stopped). */
  private lost(error?: Error): void {
    this.listener = undefined;
    if (this.listening || this.retryMs === RECONNECT_FIRST_MS) this.options.onState?.(false, error);
    this.listening = false;
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(RECONNECT_MAX_MS, this.retryMs * 2);
  }
}
