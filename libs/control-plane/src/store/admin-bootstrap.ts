import type { DataSource } from 'typeorm';
import { UserEntity } from '../entities/user.entity';

/** Serialises first-start admin creation across APIs booting together (a transaction-scoped advisory lock). */
export const ADMIN_BOOTSTRAP_LOCK_KEY = 0x64626661;

export interface FirstAdmin {
  username: string;
  /** Called only when the admin is created, so no hash is computed on an ordinary start. */
  passwordHash: () => Promise<string>;
}

/** The first start's admin user. */
export class AdminBootstrap {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Creates the admin (role admin, must change its password) when the store has no user at
   * all; under the bootstrap lock, so two APIs starting together create one. True if created.
   */
  createIfNoUsers(admin: FirstAdmin): Promise<boolean> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_BOOTSTRAP_LOCK_KEY]);
      const users = tx.getRepository(UserEntity);
      if ((await users.count()) > 0) return false;
      await users.insert({ username: admin.username, passwordHash: await admin.passwordHash(), role: 'admin', mustChangePassword: true });
      return true;
    });
  }
}
