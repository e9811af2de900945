export * from './mssql.dialect';
export * from './mssql.type-mapper';
export { createMssqlDataPlane } from './mssql.data-plane';
export { MssqlDdlBuilder } from './mssql.ddl';
export { MssqlIntrospector } from './mssql.introspector';
export { MssqlReader } from './mssql.reader';
export { MSSQL_ORDERED_KEY_KINDS, MssqlWriter } from './mssql.writer';
export { MssqlChecksummer } from './mssql.checksum';
export { decodeMssqlValue } from './mssql.values';
