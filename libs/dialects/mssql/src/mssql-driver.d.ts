// The part of the untyped `mssql` package this lib uses; widen it as later issues need more.
declare module 'mssql' {
  export interface config {
    server: string;
    port?: number;
    user?: string;
    password?: string;
    database?: string;
    connectionTimeout?: number;
    requestTimeout?: number;
    pool?: { min?: number; max?: number; idleTimeoutMillis?: number };
    /** Called with the tedious Connection before it connects (mssql's tedious driver only). */
    beforeConnect?: (connection: unknown) => void;
    options?: {
      encrypt?: boolean;
      trustServerCertificate?: boolean;
      instanceName?: string;
      serverName?: string;
      appName?: string;
    };
  }

  export interface IResult<T> {
    recordset: T[];
    recordsets: T[][];
    rowsAffected: number[];
  }

  /** A parameter or bulk-column type, as `NVarChar(MAX)` or `BigInt()` return it. */
  export interface ISqlType {
    type: unknown;
    length?: number;
    precision?: number;
    scale?: number;
  }
  export type ISqlTypeFactory = () => ISqlType;

  export const MAX: number;
  export function NVarChar(length?: number): ISqlType;
  export function VarChar(length?: number): ISqlType;
  export function VarBinary(length?: number): ISqlType;
  export function Bit(): ISqlType;
  export function TinyInt(): ISqlType;
  export function SmallInt(): ISqlType;
  export function Int(): ISqlType;
  export function BigInt(): ISqlType;
  export function Real(): ISqlType;
  export function Float(): ISqlType;
  export function UniqueIdentifier(): ISqlType;

  interface TableColumns {
    readonly length: number;
    add(name: string, type: ISqlType, options?: { nullable?: boolean }): number;
  }
  interface TableRows {
    readonly length: number;
    add(...values: unknown[]): number;
    clear(): void;
  }

  /** A bulk-load description: `create = false` loads into an existing (temp) table. */
  export class Table {
    constructor(name: string);
    create: boolean;
    readonly columns: TableColumns;
    readonly rows: TableRows;
  }

  /** With `stream = true` rows arrive as events and `query` resolves when the request is done. */
  export class Request {
    constructor(parent?: ConnectionPool | Transaction);
    stream: boolean | null;
    arrayRowMode: boolean | null;
    input(name: string, value: unknown): Request;
    input(name: string, type: ISqlType, value: unknown): Request;
    query<T>(command: string): Promise<IResult<T>>;
    bulk(table: Table): Promise<{ rowsAffected: number }>;
    pause(): boolean;
    resume(): boolean;
    cancel(): boolean;
    on(event: 'row', listener: (row: unknown[]) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    on(event: 'done', listener: () => void): this;
  }

  export class Transaction {
    constructor(parent: ConnectionPool);
    begin(): Promise<Transaction>;
    commit(): Promise<void>;
    rollback(): Promise<void>;
    request(): Request;
  }

  export class ConnectionPool {
    constructor(config: config);
    readonly connected: boolean;
    connect(): Promise<ConnectionPool>;
    close(): Promise<void>;
    request(): Request;
    on(event: 'error', listener: (error: Error) => void): this;
  }
}
