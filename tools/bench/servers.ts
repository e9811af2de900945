/**
 * The two servers the benchmark uses, as the CLI tools (psql, mysql, mysqldump, pgloader) and
 * the node drivers each want them, plus small admin helpers.
 */
import { Client } from 'pg';
import { createConnection, type Connection } from 'mysql2/promise';

export interface ServerInfo {
  host: string;
  port: number;
  user: string;
  password?: string;
}

function serverOf(url: string, defaultPort: number, defaultUser: string): ServerInfo {
  const parsed = new URL(url);
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : defaultPort,
    user: parsed.username ? decodeURIComponent(parsed.username) : defaultUser,
    ...(password === undefined ? {} : { password }),
  };
}

export const pgServer = (url: string): ServerInfo => serverOf(url, 5432, 'postgres');
export const mysqlServer = (url: string): ServerInfo => serverOf(url, 3306, 'root');

const auth = (s: ServerInfo): string =>
  `${encodeURIComponent(s.user)}${s.password === undefined ? '' : `:${encodeURIComponent(s.password)}`}@`;
const hostPart = (s: ServerInfo): string => (s.host.includes(':') ? `[${s.host}]` : s.host);

export const pgUrl = (s: ServerInfo, database: string): string => `postgres://${auth(s)}${hostPart(s)}:${s.port}/${encodeURIComponent(database)}`;
export const mysqlUrl = (s: ServerInfo, database: string): string => `mysql://${auth(s)}${hostPart(s)}:${s.port}/${encodeURIComponent(database)}`;

/** psql arguments (no .psqlrc, quiet, stop on error) for one database; the password goes through PGPASSWORD. */
export const psqlArgs = (s: ServerInfo, database: string): string[] => ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', s.host, '-p', String(s.port), '-U', s.user, '-d', database];
export const pgEnv = (s: ServerInfo): NodeJS.ProcessEnv => (s.password === undefined ? {} : { PGPASSWORD: s.password });

/** mysql / mysqldump connection arguments; the password goes through MYSQL_PWD. */
export const mysqlArgs = (s: ServerInfo): string[] => ['-h', s.host, '-P', String(s.port), '-u', s.user, '--protocol=TCP'];
export const mysqlEnv = (s: ServerInfo): NodeJS.ProcessEnv => (s.password === undefined ? {} : { MYSQL_PWD: s.password });

export async function withPg<T>(s: ServerInfo, database: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ host: s.host, port: s.port, user: s.user, password: s.password, database });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function withMysql<T>(s: ServerInfo, work: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, charset: 'utf8mb4', supportBigNumbers: true, bigNumberStrings: true });
  try {
    return await work(connection);
  } finally {
    await connection.end();
  }
}

export async function pgCount(s: ServerInfo, database: string, table: string): Promise<number> {
  return withPg(s, database, async (client) => {
    const result = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
    return Number(result.rows[0]?.n ?? '0');
  });
}

export async function mysqlCount(s: ServerInfo, table: string): Promise<number> {
  return withMysql(s, async (connection) => {
    const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM ${table}`);
    const first = (rows as { n: string | number }[])[0];
    return Number(first?.n ?? 0);
  });
}
