import { Injectable, Logger } from '@nestjs/common';
import type { RepairEntity } from '@dbferry/control-plane';
import { AlertSender } from '../alerts/alert-sender';

const MAX_ERROR = 300;

/**
 * Mails a failed repair, de-duplicated as a run's failure is (one mail per table and window,
 * claimed in Redis across the fleet). Never throws: a mail that cannot be sent is logged.
 */
@Injectable()
export class RepairAlerts {
  private readonly logger = new Logger(RepairAlerts.name);

  constructor(private readonly sender: AlertSender) {}

  async repairFailed(repair: RepairEntity): Promise<void> {
    await this.sender.withinBudget(
      () => this.send(repair),
      (message) => this.logger.warn(`repair ${repair.id}: ${message}`),
    );
  }

  private async send(repair: RepairEntity): Promise<void> {
    const outcome = await this.sender.send({
      kind: 'run-failed',
      key: `repair:${repair.table ?? repair.id}`,
      occurrence: repair.id,
      compose: async () => {
        const error = (repair.error ?? 'no error recorded').replace(/\s+/g, ' ').slice(0, MAX_ERROR);
        return {
          content: {
            kind: 'run-failed',
            jobName: `repair of ${repair.table ?? 'a table'}`,
            runId: repair.id,
            summary: `The repair failed: ${error}`,
            details: { Repair: repair.id, Table: repair.table ?? '', Targets: repair.targetIds.join(', '), Rule: repair.rule.kind },
            at: new Date(),
          },
          secrets: await this.sender.passwords([...(repair.sourceId ? [repair.sourceId] : []), ...repair.targetIds]),
        };
      },
    });
    if (outcome.status === 'held') {
      this.logger.log(`repair ${repair.id}: alert mail held back, this table's repair failure was already mailed within ${outcome.windowMs / 1000} s`);
    }
  }
}
