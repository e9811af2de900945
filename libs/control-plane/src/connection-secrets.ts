import type { SealedSecret, SecretBox } from '@dbferry/crypto';
import type { ConnectionSpec } from '@dbferry/dialects-core';
import { DataSource } from 'typeorm';
import { connectionSecretAad, ConnectionEntity } from './entities/connection.entity';

export interface StoredConnection extends ConnectionSpec {
  id: string;
  name: string;
}

/**
 * Seals and opens connection passwords. The plaintext lives only in the returned spec, in
 * memory, for the one operation that needs it.
 */
export class ConnectionSecrets {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  seal(id: string, password: string): SealedSecret {
    return this.box.seal(password, connectionSecretAad(id));
  }

  /** The connection with its password unsealed, or null when there is no such row. */
  async load(id: string): Promise<StoredConnection | null> {
    const row = await this.dataSource
      .getRepository(ConnectionEntity)
      .createQueryBuilder('c')
      .addSelect(['c.secretKeyId', 'c.secretCiphertext'])
      .where('c.id = :id', { id })
      .getOne();
    return row ? this.toSpec(row) : null;
  }

  toSpec(row: ConnectionEntity): StoredConnection {
    const password =
      row.secretKeyId && row.secretCiphertext
        ? this.box.open({ keyId: row.secretKeyId, ciphertext: row.secretCiphertext }, connectionSecretAad(row.id))
        : undefined;
    return {
      id: row.id,
      name: row.name,
      dialect: row.dialect,
      host: row.host ?? undefined,
      port: row.port ?? undefined,
      database: row.database,
      username: row.username ?? undefined,
      password,
      options: row.options,
      readOnly: row.readOnly,
    };
  }
}
