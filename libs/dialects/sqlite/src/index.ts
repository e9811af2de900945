export * from './sqlite.dialect';
export * from './sqlite-path';
export * from './sqlite.type-mapper';
