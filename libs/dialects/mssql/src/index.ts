export * from './mssql.dialect';
export * from './mssql.type-mapper';
