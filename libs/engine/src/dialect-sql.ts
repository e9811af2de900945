import { dialectFor } from '@dbferry/dialects';
import type { DialectName, SqlStyle } from '@dbferry/dialects-core';

/** The SQL a dialect gives the engine (its contract's `sql`): the engine never spells SQL by the dialect's name. */
export function sqlStyleOf(dialect: DialectName): SqlStyle {
  return dialectFor(dialect).sql;
}
