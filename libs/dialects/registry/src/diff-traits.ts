import type { DialectName } from '@dbferry/dialects-core';

/**
 * Dialects that store an empty string as NULL (Oracle: '' IS NULL in VARCHAR2/CHAR/CLOB). A diff
 * against one of them cannot tell '' from NULL in a text column and says so per column.
 */
const EMPTY_TEXT_IS_NULL: Readonly<Record<DialectName, boolean>> = {
  postgres: false,
  mysql: false,
  mssql: false,
  oracle: true,
  sqlite: false,
};

export const emptyTextIsNull = (name: DialectName): boolean => EMPTY_TEXT_IS_NULL[name];
