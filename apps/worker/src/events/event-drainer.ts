import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type EventMappingRecord, EventRepository, type EventOutcome, type InboxEventRecord } from '@dbferry/control-plane';
import type { DialectName } from '@dbferry/dialects-core';
import { applyEvent, type EventMapping } from '@dbferry/engine';
import { type PooledSession, SessionPool } from '../runs/session-pool';

/** Events claimed per store transaction. */
export const DRAIN_BATCH = 200;
/** Attempts before an event fails for good (a terminal error fails it at once). */
export const EVENT_MAX_ATTEMPTS = 5;
/** Idle poll interval: how long an event may wait in an idle inbox before a worker takes it. */
const IDLE_POLL_MS = 200;

function retryBaseMs(): number {
  const raw = process.env.EVENT_RETRY_BASE_MS;
  if (raw === undefined || raw === '') return 1000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 10 || n > 600_000) throw new Error(`EVENT_RETRY_BASE_MS: must be an integer of milliseconds between 10 and 600000, got ${raw}`);
  return n;
}

/**
 * Applies the upstream-event inbox (issue 14). PostgreSQL is the queue here: every worker polls
 * it, claiming due events with FOR UPDATE SKIP LOCKED and each entity under its position row's
 * lock (EventRepository.drain), and writes each event to its target in one target transaction
 * (applyEvent). So the inbox drains while Redis is down, and a worker SIGKILLed mid-batch
 * commits nothing in the store: its events are claimed again and written again (an upsert or a
 * delete by key, the same row), then recorded once. A failure is retried with exponential backoff
 * (EVENT_RETRY_BASE_MS × 2^(attempt-1), at most a minute) and fails for good after
 * EVENT_MAX_ATTEMPTS, or at once when terminal (a value the column cannot hold).
 */
@Injectable()
export class EventDrainer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDrainer.name);
  private readonly baseMs = retryBaseMs();
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly events: EventRepository,
    private readonly pool: SessionPool,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        const claimed = await this.drainOnce();
        failures = 0;
        if (claimed < DRAIN_BATCH) await this.sleep(IDLE_POLL_MS);
      } catch (error) {
        failures++;
        if (failures === 1 || failures % 30 === 0) this.logger.warn(`event drain failed (the control store?): ${(error as Error).message}`);
        await this.sleep(Math.min(5000, 250 * failures));
      }
    }
  }

  /** One batch: claims due events, applies them in each entity's order, records each outcome. Returns how many were claimed. */
  async drainOnce(): Promise<number> {
    const sessions = new Map<string, PooledSession>();
    const mappings = new Map<string, EventMappingRecord[]>();
    try {
      return await this.events.drain(
        { limit: DRAIN_BATCH, maxAttempts: EVENT_MAX_ATTEMPTS, backoffMs: (attempts) => Math.min(60_000, this.baseMs * 2 ** (attempts - 1)) },
        (event, held) => this.applyOne(event, held, sessions, mappings),
      );
    } finally {
      for (const session of sessions.values()) await session.release(false);
    }
  }

  private async applyOne(event: InboxEventRecord, held: { ord: string; deleted: boolean } | null, sessions: Map<string, PooledSession>, mappings: Map<string, EventMappingRecord[]>): Promise<EventOutcome> {
    if (!mappings.has(event.sourceId)) {
      const loaded = await this.events.mappingsOf([event.sourceId]);
      mappings.set(event.sourceId, loaded.get(event.sourceId) ?? []);
    }
    const mapping = mappings.get(event.sourceId)?.find((m) => m.entityType === event.entityType);
    if (!mapping) return { status: 'error', error: `entity type ${event.entityType} is no longer mapped by the source`, retryable: false };
    let session = sessions.get(mapping.connectionId);
    try {
      if (!session) {
        session = await this.pool.acquire(mapping.connectionId, { write: true });
        sessions.set(mapping.connectionId, session);
      }
      const data = session.connection.data;
      const result = await applyEvent({ mapping: mapping as unknown as EventMapping, dialect: session.connection.stored.dialect as DialectName, held }, event, { target: data });
      return result.status === 'applied' ? { status: 'applied', position: result.position } : { status: 'skipped', reason: result.reason };
    } catch (error) {
      if (session) {
        sessions.delete(mapping.connectionId);
        await session.release(true).catch(() => undefined);
      }
      const transient = (error as { transient?: unknown }).transient;
      return { status: 'error', error: (error as Error).message ?? String(error), retryable: transient !== false };
    }
  }
}
