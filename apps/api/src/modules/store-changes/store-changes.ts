import { Inject, Injectable, Logger, MessageEvent, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Observable } from 'rxjs';
import { apiConfig, storeConfig } from '@dbferry/config';
import { ChangeFeed, type ChangeChannel } from './change-feed';

/** A run or a diff still moving: its stream goes on. */
const ACTIVE = new Set(['queued', 'running']);

/**
 * The API's one LISTEN connection to the control store (ChangeFeed), and the event streams built
 * on it: GET /api/runs/:id/stream and GET /api/diffs/:id/stream send a row each time it is
 * committed changed (heard at the commit) and also re-read it every STREAM_POLL_MS (a table's
 * live progress; everything, while the feed is down), ending with the event carrying its end.
 */
@Injectable()
export class StoreChanges implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StoreChanges.name);
  private readonly feed: ChangeFeed;

  constructor(
    @Inject(storeConfig.KEY) store: ConfigType<typeof storeConfig>,
    @Inject(apiConfig.KEY) private readonly api: ConfigType<typeof apiConfig>,
  ) {
    this.feed = new ChangeFeed({
      url: store.databaseUrl,
      applicationName: 'dbferry-api',
      onState: (listening, error) =>
        listening
          ? this.logger.log('listening for run and diff changes')
          : this.logger.warn(`not hearing run and diff changes (${error?.message ?? 'connection ended'}); streams re-read every ${this.api.streamPollMs} ms until it is back`),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.feed.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.feed.stop();
  }

  /**
   * Server-sent events of type `type`: `read()` at once, at each change of the row `id` on
   * `channel` and every STREAM_POLL_MS, each answer sent when it differs from the last one sent,
   * until one whose status is no longer queued or running (sent, then the stream ends). Reads
   * never overlap: changes heard during a read make one more read after it.
   */
  follow<T extends { status: string }>(channel: ChangeChannel, id: string, type: string, read: () => Promise<T>): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      let reading = false;
      let again = false;
      let last = '';
      const tick = async (): Promise<void> => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            const value = await read();
            if (subscriber.closed) return;
            const text = JSON.stringify(value);
            if (text !== last) subscriber.next({ type, data: value });
            last = text;
            if (!ACTIVE.has(value.status)) return subscriber.complete();
          } while (again);
        } catch (error) {
          subscriber.error(error);
        } finally {
          reading = false;
        }
      };
      const unwatch = this.feed.watch(channel, id, () => void tick());
      const poll = setInterval(() => void tick(), this.api.streamPollMs);
      void tick();
      return () => {
        unwatch();
        clearInterval(poll);
      };
    });
  }
}

@Module({ providers: [StoreChanges], exports: [StoreChanges] })
export class StoreChangesModule {}
