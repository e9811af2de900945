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

  export interface Result<T> {
    rows?: T[];
  }

  export interface ExecuteOptions {
    outFormat?: number;
  }

  export interface Connection {
    readonly oracleServerVersionString: string;
    execute<T>(sql: string, binds?: Record<string, unknown>, options?: ExecuteOptions): Promise<Result<T>>;
    ping(): Promise<void>;
    close(): Promise<void>;
  }

  export const OUT_FORMAT_OBJECT: number;
  export const thin: boolean;
  export function getConnection(attributes: ConnectionAttributes): Promise<Connection>;
}
