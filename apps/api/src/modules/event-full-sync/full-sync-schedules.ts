import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { FullSyncService } from './full-sync.service';

/** How often the full-sync schedulers are matched to the sources (a source's schedule edited takes effect within this). */
const RESYNC_MS = Number(process.env.FULL_SYNC_SCHEDULE_RESYNC_MS) || 15_000;

/**
 * Keeps one BullMQ job scheduler per event source with a fullSync.schedule, at API start and
 * then every RESYNC_MS: upserts and removals are by id, so every API replica may run it.
 */
@Injectable()
export class FullSyncSchedules implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FullSyncSchedules.name);
  private timer?: NodeJS.Timeout;
  private last = '';

  constructor(private readonly service: FullSyncService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), RESYNC_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    try {
      const { upserted, removed } = await this.service.syncSchedules();
      const state = `${upserted}/${removed}`;
      if (removed || state !== this.last) this.logger.log(`full-sync schedules: ${upserted} in place, ${removed} stale removed`);
      this.last = state;
    } catch (error) {
      this.logger.warn(`full-sync schedules not matched (Redis or the store unavailable): ${(error as Error).message}`);
    }
  }
}
