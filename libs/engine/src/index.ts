export { FilterError, type FilterRejection } from './filter/filter-error';
export { FILTER_MAX_LENGTH } from './filter/filter-scan';
export { describeFilterRules, validateFilter, type FilterInput, type ValidatedFilter } from './filter/filter-validator';
export * from './plan/table-ref';
export * from './plan/key-codec';
export * from './plan/plan-tables';
export * from './copy/copy-range';
export * from './plan/count-rows';
