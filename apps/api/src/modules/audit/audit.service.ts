import { Injectable, Logger } from '@nestjs/common';
import { AuditLogEntity, AuditOutcome, InjectRepo, Repository } from '@dbferry/control-plane';

export interface AuditEntry {
  actor?: { id: string; username: string } | null;
  /** Username claimed by an unauthenticated caller (failed login). */
  actorName?: string;
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: AuditOutcome;
  ip?: string;
  /** Never a secret: callers pass names and ids, not bodies. */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectRepo(AuditLogEntity) private readonly audit: Repository<AuditLogEntity>) {}

  /** Best effort by design: a failed audit write is logged, never turned into a failed request. */
  async record(entry: AuditEntry): Promise<void> {
    try {
      // insert, not save: one INSERT, where save wraps it in its own transaction (three store round trips on every audited request).
      const row = this.audit.create({
        actorId: entry.actor?.id ?? null,
        actorName: entry.actor?.username ?? entry.actorName ?? null,
        action: entry.action,
        targetType: entry.targetType ?? null,
        targetId: entry.targetId ?? null,
        outcome: entry.outcome ?? 'ok',
        ip: entry.ip ?? null,
        details: entry.details ?? {},
      });
      // (insert's deep-partial type does not take a Record<string, unknown> jsonb column as it is)
      await this.audit.insert(row as unknown as Parameters<Repository<AuditLogEntity>['insert']>[0]);
    } catch (error) {
      this.logger.error(`audit write failed for ${entry.action}: ${(error as Error).message}`);
    }
  }
}
