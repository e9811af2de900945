export * from './oracle.dialect';
export * from './oracle.type-mapper';
