export * from './postgres.dialect';
export * from './postgres.type-mapper';
