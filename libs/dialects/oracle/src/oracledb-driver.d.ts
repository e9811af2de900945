// The part of the untyped `oracledb` package this lib uses (thin mode only); widen as needed.
declare module 'oracledb' {
  export interface ConnectionAttributes {
    user?: string;
    password?: string;
    connectString?: string;
    /** Seconds, integer. */
    connectTimeout?: number;
    /** Seconds, integer. */
    transportConnectTimeout?: number;
  }

  /** A database type constant (`DB_TYPE_VARCHAR`…); compared by identity. */
  export interface DbType {
    readonly name: string;
  }

  export const DB_TYPE_VARCHAR: DbType;
  export const DB_TYPE_NVARCHAR: DbType;
  export const DB_TYPE_CHAR: DbType;
  export const DB_TYPE_NCHAR: DbType;
  export const DB_TYPE_NUMBER: DbType;
  export const DB_TYPE_BINARY_DOUBLE: DbType;
  export const DB_TYPE_BINARY_FLOAT: DbType;
  export const DB_TYPE_DATE: DbType;
  export const DB_TYPE_TIMESTAMP: DbType;
  export const DB_TYPE_TIMESTAMP_TZ: DbType;
  export const DB_TYPE_TIMESTAMP_LTZ: DbType;
  export const DB_TYPE_RAW: DbType;
  export const DB_TYPE_CLOB: DbType;
  export const DB_TYPE_NCLOB: DbType;
  export const DB_TYPE_BLOB: DbType;
  /** CLOB fetched as a string. */
  export const DB_TYPE_LONG: DbType;
  /** BLOB fetched as a Buffer. */
  export const DB_TYPE_LONG_RAW: DbType;
  export const DB_TYPE_BOOLEAN: DbType;

  /** Column metadata handed to a fetchTypeHandler. */
  export interface Metadata {
    name: string;
    dbType?: DbType;
    dbTypeName?: string;
    precision?: number;
    scale?: number;
  }

  export interface FetchTypeResult {
    type?: DbType;
    converter?: (value: unknown) => unknown;
  }

  export interface Result<T> {
    rows?: T[];
    resultSet?: ResultSet<T>;
    rowsAffected?: number;
  }

  export interface ResultSet<T> {
    getRows(count: number): Promise<T[]>;
    close(): Promise<void>;
  }

  export interface ExecuteOptions {
    outFormat?: number;
    autoCommit?: boolean;
    resultSet?: boolean;
    fetchArraySize?: number;
    prefetchRows?: number;
    fetchTypeHandler?: (metadata: Metadata) => FetchTypeResult | undefined;
  }

  export interface BindDefinition {
    type: DbType;
    maxSize?: number;
  }

  export interface ExecuteManyOptions {
    autoCommit?: boolean;
    bindDefs?: BindDefinition[];
  }

  export interface Connection {
    readonly oracleServerVersionString: string;
    execute<T>(sql: string, binds?: Record<string, unknown> | unknown[], options?: ExecuteOptions): Promise<Result<T>>;
    executeMany(sql: string, binds: unknown[][], options?: ExecuteManyOptions): Promise<{ rowsAffected?: number }>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    ping(): Promise<void>;
    close(): Promise<void>;
  }

  /** What thin mode returns for INTERVAL DAY TO SECOND (fseconds in nanoseconds). */
  export class IntervalDS {
    constructor(value?: { days?: number; hours?: number; minutes?: number; seconds?: number; fseconds?: number });
    days: number;
    hours: number;
    minutes: number;
    seconds: number;
    fseconds: number;
  }
  export class IntervalYM {
    constructor(value?: { years?: number; months?: number });
    years: number;
    months: number;
  }

  export const OUT_FORMAT_OBJECT: number;
  export const OUT_FORMAT_ARRAY: number;
  export const thin: boolean;
  export function getConnection(attributes: ConnectionAttributes): Promise<Connection>;
}
