import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { securityConfig } from '@dbferry/config';
import { type EventMappingRecord, EventRepository, FullSyncRepository, fullSyncEventPrefix, fullSyncHeadersAad, type NewInboxEvent } from '@dbferry/control-plane';
import { SecretBox } from '@dbferry/crypto';
import { EgressPolicy, type NeutralColumn } from '@dbferry/dialects-core';
import { type EventMapping, parseEvent } from '@dbferry/engine';
import { JobContext, JobHandler, JobHandlerOf, JobProducer } from '@dbferry/queue';
import { eventFullSyncJobId, fullSyncScheduleId, JobName } from '@dbferry/queue-contracts';
import { SessionPool } from '../runs/session-pool';

/** One page request's time limit. */
export const FULL_SYNC_PAGE_TIMEOUT_MS = Number(process.env.FULL_SYNC_PAGE_TIMEOUT_MS) || 30_000;
/** Attempts per page (network errors, 429 and 5xx answers), with exponential backoff between. */
export const FULL_SYNC_PAGE_ATTEMPTS = 4;
const MAX_PAGES = 100_000;
const MAX_PAGE_BYTES = 64 * 1024 * 1024;
/** How long the run waits for the drain to apply its events before it fails. */
const DRAIN_WAIT_MS = Number(process.env.FULL_SYNC_DRAIN_WAIT_MS) || 30 * 60_000;

const hashId = (parts: string[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 40);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

class PageError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The URL of the next page: a `next` link (absolute or relative to this page), or null at the end. */
export function nextPageUrl(body: unknown, current: string): string | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const next = (body as Record<string, unknown>).next;
  if (typeof next !== 'string' || next === '') return null;
  return new URL(next, current).toString();
}

/** A page's entities: the body itself when it is an array, else its `items` (or `entities`). */
export function pageItems(body: unknown): unknown[] | null {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== 'object') return null;
  const b = body as Record<string, unknown>;
  const items = b.items ?? b.entities;
  return Array.isArray(items) ? items : null;
}

/**
 * A tick of an event source's full-sync cron (the API keeps one BullMQ job scheduler per source):
 * queues a run and its job, unless the source has an active one (coalesced) or lost its schedule.
 */
@Injectable()
@JobHandler(JobName.ScheduledFullSync)
export class ScheduledFullSyncHandler implements JobHandlerOf<JobName.ScheduledFullSync> {
  constructor(
    private readonly events: EventRepository,
    private readonly runs: FullSyncRepository,
    private readonly producer: JobProducer,
  ) {}

  async handle(job: JobContext<JobName.ScheduledFullSync>): Promise<{ runId: string } | { skipped: string }> {
    const source = await this.events.get(job.data.sourceId);
    if (!source?.fullSync?.schedule) {
      await this.producer.removeSchedule(fullSyncScheduleId(job.data.sourceId), JobName.ScheduledFullSync);
      return { skipped: 'source deleted or unscheduled' };
    }
    const runId = await this.runs.queue({ sourceId: source.id, trigger: 'schedule', deleteMissing: source.fullSync.deleteMissing, requestedBy: null });
    if (!runId) return { skipped: 'a full sync of this source is active' };
    await this.producer.enqueue(JobName.EventFullSync, { v: 1, runId }, { jobId: eventFullSyncJobId(runId) });
    return { runId };
  }
}

/**
 * An event source's full sync (issue 14 item 4). The upstream snapshot is pulled page by page
 * (a `next` link; the source's sealed headers opened only for the request; the egress policy
 * applied to the host like connections; a timeout per request and retries with backoff), and each
 * entity is stored in the inbox as an UPDATED event of the run, ordered by its version or else by
 * the instant the snapshot started. The drain applies them like live events, under each entity's
 * position: a snapshot row older than an event already applied (or a tombstone) is skipped, and
 * an event newer than the snapshot applied after it wins. With deleteMissing, a target row whose key
 * the snapshot does not hold is deleted by a DELETED event of the run, at the order the target holds
 * (so an event applied in between wins), unless an event reached it after the snapshot started.
 * Everything is in PostgreSQL and keyed by the run: a worker killed mid-run resumes (the same
 * event ids are duplicates).
 */
@Injectable()
@JobHandler(JobName.EventFullSync)
export class EventFullSyncHandler implements JobHandlerOf<JobName.EventFullSync> {
  private readonly logger = new Logger(EventFullSyncHandler.name);
  private readonly egress: EgressPolicy;

  constructor(
    private readonly events: EventRepository,
    private readonly runs: FullSyncRepository,
    private readonly box: SecretBox,
    private readonly pool: SessionPool,
    @Inject(securityConfig.KEY) security: ConfigType<typeof securityConfig>,
  ) {
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny });
  }

  async handle(job: JobContext<JobName.EventFullSync>): Promise<{ status: string }> {
    const run = await this.runs.claim(job.data.runId);
    if (!run) return { status: 'settled' };
    try {
      const status = await this.execute(run.id, run.sourceId, run.deleteMissing, run.snapshotAt as Date, job);
      return { status };
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (job.signal.aborted) throw error;
      await this.runs.log(run.id, 'error', message);
      await this.runs.finish(run.id, 'failed', message);
      this.logger.warn(`full sync ${run.id} failed: ${message}`);
      return { status: 'failed' };
    }
  }

  private async execute(runId: string, sourceId: string, deleteMissing: boolean, snapshotAt: Date, job: JobContext<JobName.EventFullSync>): Promise<string> {
    const source = await this.events.get(sourceId);
    if (!source) throw new Error('the event source was deleted');
    if (!source.fullSync?.url) throw new Error('the source has no fullSync.url');
    const sealed = await this.events.sealedHeaders(sourceId);
    const headers = sealed ? (JSON.parse(this.box.open(sealed, fullSyncHeadersAad(sourceId))) as Record<string, string>) : {};
    const mappings = new Map(source.mappings.map((m) => [m.entityType, m as unknown as EventMapping]));
    await this.runs.resetPages(runId);
    await this.runs.log(runId, 'info', `pulling the snapshot from ${new URL(source.fullSync.url).origin} (snapshot instant ${snapshotAt.toISOString()}${deleteMissing ? ', deleting rows it no longer has' : ''})`);

    let url: string | null = source.fullSync.url;
    let pages = 0;
    let invalid = 0;
    while (url) {
      if (job.signal.aborted) throw new Error('the worker is shutting down');
      if (++pages > MAX_PAGES) throw new Error(`more than ${MAX_PAGES} pages`);
      const body = await this.fetchPage(url, headers, runId, job.signal);
      const items = pageItems(body);
      if (!items) throw new Error(`page ${pages}: the body is neither an array nor an object with items`);
      const batch: NewInboxEvent[] = [];
      const warnings: string[] = [];
      items.forEach((item, i) => {
        const e = (item && typeof item === 'object' ? item : {}) as Record<string, unknown>;
        const raw = { eventType: 'UPDATED', entityType: e.entityType, entityId: e.entityId, version: e.version, timestamp: snapshotAt.toISOString(), payload: e.payload ?? null };
        const parsed = parseEvent(raw, i, mappings);
        if (!parsed.event) {
          invalid++;
          if (invalid <= 20) warnings.push(`page ${pages}: ${parsed.problems.map((p) => p.message).join('; ').slice(0, 500)}`);
          return;
        }
        const ev = parsed.event;
        batch.push({ ...ev, eventId: `${fullSyncEventPrefix(runId)}${hashId([ev.entityType, ev.entityId])}` });
      });
      for (const warning of warnings) await this.runs.log(runId, 'warn', warning);
      if (batch.length) await this.events.receive(sourceId, batch);
      await this.runs.pageDone(runId, batch.length);
      await job.progress({ pages, entities: batch.length });
      url = nextPageUrl(body, url);
    }
    await this.runs.log(runId, 'info', `snapshot pulled: ${pages} page(s)${invalid ? `, ${invalid} invalid entit${invalid === 1 ? 'y' : 'ies'} left out` : ''}; waiting for the drain to apply it`);
    await this.drained(runId, sourceId, job.signal);

    if (deleteMissing) {
      if (invalid) {
        await this.runs.log(runId, 'warn', 'rows missing from the snapshot are not deleted: some of its entities were invalid (they would have been deleted)');
      } else {
        let deletes = 0;
        for (const mapping of source.mappings) deletes += await this.deleteMissing(runId, sourceId, mapping, snapshotAt);
        await this.runs.log(runId, 'info', `${deletes} target row(s) missing from the snapshot queued for deletion`);
        if (deletes) await this.drained(runId, sourceId, job.signal);
      }
    }
    const p = await this.runs.progress(runId, sourceId);
    const summary = `applied ${p.applied}, skipped ${p.skipped} (older than the target), deleted ${p.deleted}, failed ${p.failed}`;
    if (p.failed || invalid) {
      const error = `${summary}${invalid ? `; ${invalid} invalid snapshot entities` : ''}${p.failed ? ' (see GET /api/events?status=failed)' : ''}`;
      await this.runs.log(runId, 'error', error);
      await this.runs.finish(runId, 'failed', error);
      return 'failed';
    }
    await this.runs.log(runId, 'info', summary);
    await this.runs.finish(runId, 'succeeded', null);
    return 'succeeded';
  }

  /** Waits until none of the run's events is waiting in the inbox. */
  private async drained(runId: string, sourceId: string, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + DRAIN_WAIT_MS;
    for (;;) {
      const p = await this.runs.progress(runId, sourceId);
      if (p.received === 0) return;
      if (signal.aborted) throw new Error('the worker is shutting down');
      if (Date.now() > deadline) throw new Error(`${p.received} event(s) of the run still unapplied after ${DRAIN_WAIT_MS / 1000} s`);
      await sleep(250, signal);
    }
  }

  private async fetchPage(url: string, headers: Record<string, string>, runId: string, signal: AbortSignal): Promise<unknown> {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`${parsed.protocol} is not http or https`);
    // The egress policy, as for connections (throws EgressDeniedError naming the host).
    await this.egress.resolve(parsed.hostname.replace(/^\[|\]$/g, ''));
    let lastError: Error | undefined;
    for (let attempt = 1; attempt <= FULL_SYNC_PAGE_ATTEMPTS; attempt++) {
      try {
        const res = await fetch(url, { headers: { Accept: 'application/json', ...headers }, redirect: 'error', signal: AbortSignal.any([signal, AbortSignal.timeout(FULL_SYNC_PAGE_TIMEOUT_MS)]) });
        if (!res.ok) throw new PageError(`${parsed.origin}${parsed.pathname} answered ${res.status}`, res.status === 429 || res.status >= 500);
        const text = await res.text();
        if (text.length > MAX_PAGE_BYTES) throw new PageError(`a page is larger than ${MAX_PAGE_BYTES} bytes`, false);
        try {
          return JSON.parse(text);
        } catch {
          throw new PageError(`${parsed.origin}${parsed.pathname}: the page is not JSON`, false);
        }
      } catch (error) {
        lastError = error as Error;
        const retryable = error instanceof PageError ? error.retryable : !signal.aborted;
        if (!retryable || attempt === FULL_SYNC_PAGE_ATTEMPTS) break;
        const delay = 500 * 2 ** (attempt - 1);
        await this.runs.log(runId, 'warn', `page request failed (attempt ${attempt}/${FULL_SYNC_PAGE_ATTEMPTS}): ${lastError.message}; retrying in ${delay} ms`);
        await sleep(delay, signal);
      }
    }
    throw new Error(`the snapshot page could not be read: ${lastError?.message}`);
  }

  /** Queues a DELETED event of the run for each target row of the mapping the snapshot does not hold and no event touched since it started. */
  private async deleteMissing(runId: string, sourceId: string, mapping: EventMappingRecord, snapshotAt: Date): Promise<number> {
    const inSnapshot = await this.runs.snapshotIds(runId, sourceId, mapping.entityType);
    const key = (mapping.columns as NeutralColumn[]).find((c) => c.name === mapping.keyColumn);
    if (!key) throw new Error(`${mapping.entityType}: the key column ${mapping.keyColumn} is gone from the mapping`);
    const missing: string[] = [];
    const session = await this.pool.acquire(mapping.connectionId);
    let broken = false;
    try {
      for await (const batch of session.connection.data.reader.read({ table: mapping.table, columns: [key], keyColumns: [key.name], batchSize: 5000 })) {
        for (const row of batch.rows) {
          const id = String(row[0]);
          if (!inSnapshot.has(id)) missing.push(id);
        }
      }
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      await session.release(broken);
    }
    let queued = 0;
    for (let i = 0; i < missing.length; i += 1000) {
      const untouched = await this.runs.untouchedSince(sourceId, mapping.entityType, missing.slice(i, i + 1000), snapshotAt);
      const events: NewInboxEvent[] = untouched.map((u) => {
        const ord = (u.ord ?? '0').split('.')[0];
        return { eventId: `${fullSyncEventPrefix(runId)}delete:${hashId([mapping.entityType, u.entityId])}`, eventType: 'DELETED', entityType: mapping.entityType, entityId: u.entityId, version: ord, timestamp: snapshotAt, ord, payload: null };
      });
      if (events.length) queued += (await this.events.receive(sourceId, events)).accepted;
    }
    if (missing.length > queued) await this.runs.log(runId, 'info', `${mapping.entityType}: ${missing.length - queued} row(s) missing from the snapshot kept (an event reached them after the snapshot started, or queued already)`);
    return queued;
  }
}
