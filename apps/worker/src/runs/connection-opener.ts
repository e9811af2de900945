import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { securityConfig } from '@dbferry/config';
import { ConnectionSecrets, StoredConnection } from '@dbferry/control-plane';
import { DataPlane, DialectSession, EgressPolicy, faultCheck, faultySession, TerminalDbError } from '@dbferry/dialects-core';
import { dialectFor, prepareConnection } from '@dbferry/dialects';
import { FaultRegistry } from '@dbferry/queue';

export interface OpenConnection {
  stored: StoredConnection;
  session: DialectSession;
  /** The session's data plane; opening refuses a dialect that has none. */
  data: DataPlane;
}

export interface OpenPair {
  source: OpenConnection;
  target: OpenConnection;
  close(): Promise<void>;
}

/**
 * Opens sessions on stored connections for the worker: the password is unsealed only in
 * memory for the connect, and the egress policy is applied again at every open.
 */
@Injectable()
export class ConnectionOpener {
  private readonly egress: EgressPolicy;

  constructor(
    private readonly secrets: ConnectionSecrets,
    @Inject(securityConfig.KEY) private readonly security: ConfigType<typeof securityConfig>,
    @Optional() private readonly faults?: FaultRegistry,
  ) {
    this.egress = new EgressPolicy({ allow: security.hostsAllow, deny: security.hostsDeny, protectedDatabases: [security.controlStore] });
  }

  /**
   * `create`: a missing SQLite file is created (under SQLITE_ROOT, mode 0600), for a run that creates tables.
   * `write`: the run writes here (DDL, rows, deletes, staging): a read-only connection is refused before connecting.
   */
  async open(connectionId: string, options: { create?: boolean; write?: boolean } = {}): Promise<OpenConnection> {
    return this.connect(await this.load(connectionId, options), options);
  }

  /**
   * The stored connection with its password unsealed, checked for `write` (read at every load,
   * so a connection made read-only after the job was saved is never written).
   */
  async load(connectionId: string, options: { write?: boolean } = {}): Promise<StoredConnection> {
    const stored = await this.secrets.load(connectionId);
    if (!stored) throw new TerminalDbError('invalid-spec', `connection ${connectionId} no longer exists`);
    if (options.write && stored.readOnly) {
      throw new TerminalDbError('permission-denied', `connection "${stored.name}" is read-only; a run never writes to it (change the job's target or clear readOnly)`);
    }
    return stored;
  }

  /** Connects to a loaded connection (egress policy applied again); refuses a dialect that cannot move rows. */
  async connect(stored: StoredConnection, options: { create?: boolean } = {}): Promise<OpenConnection> {
    const resolved = await prepareConnection(stored, { egress: this.egress, sqliteRoot: this.security.sqliteRoot });
    // Injected faults (FAULTS_ENABLED only; otherwise the session is the dialect's own, unwrapped).
    const faults = this.faults?.enabled ? this.faults : undefined;
    const check = faults && faultCheck((operation, consume) => faults.hit(stored.id, operation, consume));
    await check?.('connect');
    const opened = await dialectFor(stored.dialect).connect(resolved, {
      timeoutMs: Math.max(this.security.connectionTestTimeoutMs, 10_000),
      ...(options.create ? { create: true } : {}),
    });
    const session = check ? faultySession(opened, check) : opened;
    if (!session.data) {
      await session.close();
      throw new TerminalDbError('invalid-spec', `${stored.dialect} connections cannot move rows`);
    }
    return { stored, session, data: session.data };
  }

  /** Opens both ends, closing the first if the second fails; `createTarget` as `create` for the target. */
  async openPair(sourceId: string, targetId: string, options: { createTarget?: boolean } = {}): Promise<OpenPair> {
    const source = await this.open(sourceId);
    try {
      const target = await this.open(targetId, { create: options.createTarget, write: true });
      return { source, target, close: async () => void (await Promise.allSettled([source.session.close(), target.session.close()])) };
    } catch (error) {
      await source.session.close().catch(() => undefined);
      throw error;
    }
  }
}
