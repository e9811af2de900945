import type { DataSource } from 'typeorm';

/** Whether the control store answers: for the API's /health and the worker's ops port. */
export class ControlStoreProbe {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves when PostgreSQL answers a round trip; rejects with the driver's error otherwise. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
