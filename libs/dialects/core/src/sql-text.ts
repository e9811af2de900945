/**
 * `(k1, k2) > (v1, v2)` for databases without row-value comparison (SQL Server, Oracle):
 * `(k1 > v1 OR (k1 = v1 AND k2 > v2))`. A lower bound is exclusive, an upper bound inclusive,
 * as KeyRange defines. `columns` and `values` are already-quoted SQL fragments.
 */
export function tupleComparison(columns: string[], values: string[], bound: 'lower' | 'upper'): string {
  const strict = bound === 'lower' ? '>' : '<';
  const last = bound === 'lower' ? '>' : '<=';
  const build = (i: number): string =>
    i === columns.length - 1
      ? `${columns[i]} ${last} ${values[i]}`
      : `(${columns[i]} ${strict} ${values[i]} OR (${columns[i]} = ${values[i]} AND ${build(i + 1)}))`;
  const text = build(0);
  return text.startsWith('(') ? text : `(${text})`;
}

/** ` WHERE a AND b` from the conditions given, or '' when there are none. */
export function whereClause(...conditions: (string | undefined)[]): string {
  const given = conditions.filter((c): c is string => !!c && c.trim() !== '');
  return given.length ? ` WHERE ${given.join(' AND ')}` : '';
}
