import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { type ClaimedEvent, EventRepository, type EventOutcome } from '@dbferry/control-plane';
import type { DialectName } from '@dbferry/dialects-core';
import { type EntityPosition, type EventMapping, planEntity, writeEventBatch } from '@dbferry/engine';
import { type PooledSession, SessionPool } from '../runs/session-pool';

/** Events claimed per store transaction. */
export const DRAIN_BATCH = 1000;
/** Attempts before an event fails for good (a terminal error fails it at once). */
export const EVENT_MAX_ATTEMPTS = 5;
/** Idle poll interval: how long an event may wait in an idle inbox before a worker takes it. */
const IDLE_POLL_MS = 200;

/** Drain loops per worker (EVENT_DRAIN_CONCURRENCY, default 2): they share the inbox as workers do (SKIP LOCKED, entity locks). */
function drainConcurrency(): number {
  const raw = process.env.EVENT_DRAIN_CONCURRENCY;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`EVENT_DRAIN_CONCURRENCY: must be an integer between 1 and 16, got ${raw}`);
  return n;
}

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
 * lock (EventRepository.drain); per entity only the newest applicable event of the batch lands
 * (the older ones are skipped as superseded), written per target table in bulk (writeEventBatch).
 * So the inbox drains while Redis is down, and a worker SIGKILLed between the target's commit and
 * the store's commits nothing in the store: its events are claimed again and written again (an
 * upsert or a delete by key, the same row), then recorded once. A failure is retried with exponential backoff
 * (EVENT_RETRY_BASE_MS × 2^(attempt-1), at most a minute) and fails for good after
 * EVENT_MAX_ATTEMPTS, or at once when terminal (a value the column cannot hold).
 */
@Injectable()
export class EventDrainer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventDrainer.name);
  private readonly baseMs = retryBaseMs();
  private stopped = false;
  private readonly concurrency = drainConcurrency();
  private loop?: Promise<unknown>;
  private readonly wakes = new Set<() => void>();

  constructor(
    private readonly events: EventRepository,
    private readonly pool: SessionPool,
  ) {}

  onApplicationBootstrap(): void {
    this.loop = Promise.all(Array.from({ length: this.concurrency }, () => this.run()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const wake of this.wakes) wake();
    await this.loop;
  }

  private async sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakes.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.wakes.add(wake);
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

  /** One batch: claims due events, applies them per target table in bulk, records each outcome. Returns how many were claimed. */
  async drainOnce(): Promise<number> {
    return this.events.drain(
      { limit: DRAIN_BATCH, maxAttempts: EVENT_MAX_ATTEMPTS, backoffMs: (attempts) => Math.min(60_000, this.baseMs * 2 ** (attempts - 1)) },
      (entities) => this.applyBatch(entities),
    );
  }

  /**
   * Per entity, only its newest applicable event lands (planEntity: the older ones are skipped as
   * superseded, and those older than what the target holds as before); the landing events are
   * grouped by target table and written in bulk (writeEventBatch: one upsert, one delete by key),
   * a failing write falling back to one event at a time so a bad event fails alone.
   */
  private async applyBatch(entities: { events: ClaimedEvent[]; held: EntityPosition | null }[]): Promise<Map<string, EventOutcome>> {
    const outcomes = new Map<string, EventOutcome>();
    const mappings = await this.events.mappingsOf([...new Set(entities.map((e) => e.events[0].sourceId))]);
    const groups = new Map<string, { mapping: EventMapping; events: ClaimedEvent[] }>();
    for (const { events, held } of entities) {
      const first = events[0];
      const mapping = mappings.get(first.sourceId)?.find((m) => m.entityType === first.entityType) as EventMapping | undefined;
      if (!mapping) {
        for (const e of events) outcomes.set(e.id, { status: 'error', error: `entity type ${e.entityType} is no longer mapped by the source`, retryable: false });
        continue;
      }
      const plan = planEntity(events, held);
      for (const { event, reason } of plan.skipped) outcomes.set(event.id, { status: 'skipped', reason });
      if (!plan.land) continue;
      const target = JSON.stringify([first.sourceId, mapping.entityType]);
      const group = groups.get(target) ?? { mapping, events: [] };
      group.events.push(plan.land);
      groups.set(target, group);
    }
    const sessions = new Map<string, PooledSession>();
    try {
      for (const { mapping, events } of groups.values()) {
        let session = sessions.get(mapping.connectionId);
        try {
          if (!session) {
            session = await this.pool.acquire(mapping.connectionId, { write: true });
            sessions.set(mapping.connectionId, session);
          }
        } catch (error) {
          for (const e of events) outcomes.set(e.id, failure(error));
          continue;
        }
        const written = await writeEventBatch({ mapping, dialect: session.connection.stored.dialect as DialectName }, events, { target: session.connection.data });
        let broken = false;
        for (const e of events) {
          const w = written.get(e.id);
          if (w?.ok) outcomes.set(e.id, { status: 'applied', position: { ord: e.ord, deleted: e.eventType === 'DELETED' } });
          else {
            const error = w ? w.error : new Error('not written');
            outcomes.set(e.id, failure(error));
            if ((error as { transient?: unknown }).transient !== false) broken = true;
          }
        }
        if (broken) {
          sessions.delete(mapping.connectionId);
          await session.release(true).catch(() => undefined);
        }
      }
    } finally {
      for (const session of sessions.values()) await session.release(false);
    }
    return outcomes;
  }
}

function failure(error: unknown): EventOutcome {
  const transient = (error as { transient?: unknown }).transient;
  return { status: 'error', error: (error as Error).message ?? String(error), retryable: transient !== false };
}
