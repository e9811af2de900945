export * from './mysql.dialect';
export * from './mysql.type-mapper';
