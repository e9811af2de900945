import { Injectable } from '@nestjs/common';
import { DASHBOARD_RANGES, type DashboardRange, GroupRepository, RunStats } from '@dbferry/control-plane';
import { JobProducer, queueDepths } from '@dbferry/queue';
import { ConnectionHealthService } from './connection-health.service';
import type { DashboardView, QueueDepthView } from './dashboard.dto';

/** Redis that does not answer within this leaves the queue depths out rather than stalling the page. */
const QUEUE_COUNT_TIMEOUT_MS = 1000;
/** A reachability check is waited for this long at most, and only when there is none for the current connections. */
const HEALTH_WAIT_MS = 1000;
const RECENT_RUNS = 30;
const FAILING_JOBS = 50;

const count = (value: string) => (Number.isSafeInteger(Number(value)) ? Number(value) : value);

@Injectable()
export class DashboardService {
  constructor(
    private readonly stats: RunStats,
    private readonly producer: JobProducer,
    private readonly health: ConnectionHealthService,
    private readonly groups: GroupRepository,
  ) {}

  async overview(range: DashboardRange): Promise<DashboardView> {
    const now = new Date();
    // The count first: a connection added or deleted since the last reachability check makes it outdated.
    const counts = await this.stats.counts();
    const [runsOverTime, recent, failingJobs, queues, health, groupDebt] = await Promise.all([
      this.stats.perBucket(range, now),
      this.stats.recentRates(RECENT_RUNS),
      this.stats.failingJobs(FAILING_JOBS),
      this.queues(),
      this.health.read(HEALTH_WAIT_MS, counts.connections),
      this.groups.debt(),
    ]);
    return {
      generatedAt: now,
      range,
      bucket: DASHBOARD_RANGES[range].unit,
      counts,
      runsOverTime,
      recentRuns: recent.map((r) => ({ ...r, rowsWritten: count(r.rowsWritten) })),
      queues: queues.items,
      queuesError: queues.error,
      failingJobs,
      connectionsDown: health?.down ?? [],
      connectionsCheckedAt: health?.checkedAt ?? null,
      groupDebt: groupDebt.map((d) => ({ groupId: d.groupId, connectionId: d.connectionId, pending: d.pending, failed: d.failed, oldestPendingAt: d.oldestPendingAt })),
    };
  }

  private async queues(): Promise<{ items: QueueDepthView[]; error: string | null }> {
    try {
      const depths = await queueDepths(this.producer, QUEUE_COUNT_TIMEOUT_MS);
      return {
        items: depths.map(({ queue, counts }) => ({
          name: queue,
          waiting: counts.waiting,
          prioritized: counts.prioritized,
          waitingChildren: counts['waiting-children'],
          active: counts.active,
          delayed: counts.delayed,
          failed: counts.failed,
        })),
        error: null,
      };
    } catch (error) {
      return { items: [], error: `queue depths unavailable: ${(error as Error).message}` };
    }
  }
}
