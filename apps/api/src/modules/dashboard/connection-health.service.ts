import { Injectable, Logger } from '@nestjs/common';
import { ConnectionsService } from '../connections/connections.service';
import type { ConnectionDownView } from './dashboard.dto';

/** A reachability check this young is served as it is. */
export const HEALTH_TTL_MS = 30_000;

export interface ConnectionHealth {
  checkedAt: Date;
  down: ConnectionDownView[];
  /** How many connections the check covered. */
  checked: number;
}

/**
 * The connections' reachability as the status service last found it, refreshed in the
 * background once older than HEALTH_TTL_MS: a connection whose probe hangs until its timeout
 * slows the refresh, never the dashboard. One refresh at a time, however many readers.
 */
@Injectable()
export class ConnectionHealthService {
  private readonly logger = new Logger(ConnectionHealthService.name);
  private last: ConnectionHealth | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly connections: ConnectionsService) {}

  /**
   * The last check, starting a new one when it is stale. While there is none, or it covered
   * another number of connections than `connections` (one was added or deleted since), the new
   * check is waited for, `waitMs` at most.
   */
  async read(waitMs: number, connections: number): Promise<ConnectionHealth | null> {
    const last = this.last;
    const outdated = !last || last.checked !== connections;
    if (outdated || Date.now() - last.checkedAt.getTime() > HEALTH_TTL_MS) this.refresh();
    if (outdated && this.refreshing) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.refreshing, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]).finally(() => clearTimeout(timer));
    }
    return this.last;
  }

  private refresh(): void {
    if (this.refreshing) return;
    const checkedAt = new Date();
    this.refreshing = this.connections
      .status(false)
      .then((page) => {
        const down = page.items
          .filter((c) => !c.reachable)
          .map((c) => ({ id: c.id, name: c.name, dialect: c.dialect, latencyMs: c.latencyMs, error: c.error ?? null }));
        this.last = { checkedAt, down, checked: page.items.length };
      })
      .catch((error: unknown) => this.logger.warn(`connection reachability check failed: ${(error as Error).message}`))
      .finally(() => (this.refreshing = null));
  }
}
