/** Why a filter was refused; stable codes the API can map, the message names the detail. */
export type FilterRejection =
  | 'too-long'
  | 'empty'
  | 'character'
  | 'quote'
  | 'comment'
  | 'statement'
  | 'backslash'
  | 'variable'
  | 'subquery'
  | 'set-operation'
  | 'syntax'
  | 'not-boolean'
  | 'function'
  | 'column'
  | 'qualified-column'
  | 'operator'
  | 'literal'
  | 'cast'
  | 'unsupported';

/** A user filter that is not one safe boolean expression. Maps to HTTP 400 at save time. */
export class FilterError extends Error {
  /** Terminal: the same filter is refused on every attempt. */
  readonly transient = false;
  constructor(
    readonly reason: FilterRejection,
    detail: string,
  ) {
    super(`filter: ${detail}`);
    this.name = 'FilterError';
  }
}
