import type { NeutralColumn, NeutralValue, RepairSqlStyle, TableRef } from '@dbferry/dialects-core';
import { sqlLiteral } from './mysql.values';
import { insertStatementParts } from './mysql.writer';

/**
 * MySQL's and MariaDB's repair SQL: the writer's own multi-row INSERT … ON DUPLICATE KEY UPDATE
 * with its literals (mysql.values sqlLiteral). The VALUES(col) form, which MariaDB and every
 * MySQL read (8.0.20 and later only warn that it is deprecated).
 */
export const mysqlRepairSql: RepairSqlStyle = {
  valueLiteral: (column: NeutralColumn, value: NeutralValue): string => sqlLiteral(column.type, value, column.name),
  upsert(table: TableRef, columns: NeutralColumn[], keyColumns: string[], rows: NeutralValue[][]): string {
    const { head, tail } = insertStatementParts(table, columns.map((c) => c.name), keyColumns, 'upsert', { flavor: 'mariadb', rawVersion: '' });
    const tuples = rows.map((row) => `  (${columns.map((c, i) => sqlLiteral(c.type, row[i] ?? null, c.name)).join(', ')})`);
    return `${head.trimEnd()}\n${tuples.join(',\n')}\n${tail.trimStart()}`;
  },
};
