import { requiredEnv } from './env';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';

const suffix = () => `${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;

export interface EphemeralDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database on the test server; drop() removes it even with sessions open. */
export async function createPostgresDatabase(prefix = 'dbferry_test', serverUrl = requiredEnv('TEST_PG_URL')): Promise<EphemeralDatabase> {
  const name = `${prefix}_${suffix()}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh MariaDB/MySQL database (schema) on the test server. */
export async function createMysqlDatabase(prefix = 'dbferry_test', serverUrl = requiredEnv('TEST_MYSQL_URL')): Promise<EphemeralDatabase> {
  const name = `${prefix}_${suffix()}`;
  const run = async (sql: string) => {
    const connection = await createConnection(serverUrl);
    try {
      await connection.query(sql);
    } finally {
      await connection.end();
    }
  };
  await run(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { name, url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS \`${name}\``) };
}
