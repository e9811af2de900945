export * from './oracle.dialect';
export * from './oracle.type-mapper';
export { createOracleDataPlane } from './oracle.data-plane';
export { OracleDdlBuilder } from './oracle.ddl';
export { OracleIntrospector } from './oracle.introspector';
export { OracleReader } from './oracle.reader';
export { ORACLE_ORDERED_KEY_KINDS, OracleWriter } from './oracle.writer';
export { OracleChecksummer } from './oracle.checksum';
export { decodeOracleValue, ORACLE_SESSION_SQL } from './oracle.values';
