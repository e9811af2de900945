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

  export class Request {
    input(name: string, value: unknown): Request;
    query<T>(command: string): Promise<IResult<T>>;
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
