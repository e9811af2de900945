import type { DialectName } from '@dbferry/dialects-core';
import { FilterError, type FilterRejection } from './filter-error';
import { FILTER_MAX_LENGTH } from './filter-scan';
import { describeFilterRules, validateFilter } from './filter-validator';

const columns = ['status', 'amount', 'order', 'my col', 'created_at', 'name', 'active', 'Qty', 'id'];

function refusal(dialect: DialectName, filter: string): FilterError {
  try {
    validateFilter({ dialect, filter, columns });
  } catch (err) {
    if (err instanceof FilterError) return err;
    throw err;
  }
  throw new Error(`accepted: ${filter}`);
}

describe('validateFilter refuses injection payloads', () => {
  const payloads: Array<[DialectName, string, FilterRejection, RegExp]> = [
    // stacked statements
    ['postgres', '1=1; DROP TABLE x', 'statement', /';' is not allowed/],
    ['postgres', "status = 'a';", 'statement', /';'/],
    ['mssql', '1=1 DROP TABLE x', 'statement', /DROP is not allowed/],
    ['mssql', "1=1 WAITFOR DELAY '0:0:5'", 'statement', /WAITFOR/],
    ['mssql', "1=1 EXEC xp_cmdshell 'dir'", 'statement', /EXEC/],
    ['postgres', "status = 'a' INTO OUTFILE '/tmp/x'", 'statement', /INTO/],
    // comments
    ['postgres', "status = 'a' -- ", 'comment', /comments.*--/],
    ['postgres', "status = 'a' /* */", 'comment', /comments.*\/\*/],
    ['mysql', "status = 'a' # rest", 'comment', /comments.*#/],
    ['mysql', "status = 'a' /*!50000 OR 1=1*/", 'comment', /comments/],
    // set operations and subqueries
    ['postgres', '1=1 UNION SELECT password FROM users', 'set-operation', /UNION/],
    ['mysql', "status = 'a' UNION ALL SELECT 1", 'set-operation', /UNION/],
    ['postgres', 'id IN (SELECT id FROM secrets)', 'subquery', /subqueries.*SELECT/],
    ['postgres', 'EXISTS(SELECT 1 FROM pg_user)', 'subquery', /subqueries.*EXISTS/],
    ['postgres', "status = (SELECT 'a')", 'subquery', /subqueries/],
    ['postgres', 'CASE WHEN (SELECT 1) = 1 THEN TRUE END', 'subquery', /SELECT/],
    ['postgres', 'CASE WHEN amount > 1 THEN TRUE ELSE FALSE END', 'unsupported', /CASE expressions/],
    // functions outside the allow-list
    ['postgres', 'pg_sleep(10) IS NULL', 'function', /function pg_sleep is not allowed/],
    ['postgres', 'pg_catalog.pg_sleep(1) IS NULL', 'function', /function pg_catalog\.pg_sleep is not allowed/],
    ['postgres', "status = 'a' OR pg_sleep(5) IS NULL", 'function', /function pg_sleep/],
    ['mysql', 'sleep(5) = 0', 'function', /function sleep is not allowed/],
    ['mysql', "benchmark(1000000, md5('a')) = 0", 'function', /function benchmark is not allowed/],
    ['mysql', "load_file('/etc/passwd') IS NOT NULL", 'function', /function load_file is not allowed/],
    ['mysql', 'name = CHAR(0x27)', 'function', /function CHAR is not allowed/],
    ['postgres', "dblink('host=evil', 'select 1') IS NULL", 'function', /function dblink is not allowed/],
    ['mssql', "xp_cmdshell('dir') = 0", 'function', /function xp_cmdshell is not allowed/],
    ['postgres', "version() LIKE '%'", 'function', /function version is not allowed/],
    ['mysql', "user() = 'root'", 'function', /function user is not allowed/i],
    ['postgres', "lower(status, 1) = 'a'", 'function', /lower takes 1 argument/],
    ['mssql', "substring(name, 2) = 'a'", 'function', /substring needs a length/],
    // variables and bind parameters
    ['mysql', "@@version LIKE '8%'", 'variable', /variables.*@/],
    ['mssql', "@@version LIKE '%'", 'variable', /variables.*@/],
    ['mysql', '@x := 1', 'variable', /variables/],
    ['postgres', '$1 = 1', 'variable', /variables.*\$/],
    ['postgres', 'status = $$a$$', 'variable', /\$/],
    ['postgres', ':x = 1', 'variable', /variables.*:/],
    ['sqlite', 'status = ?', 'variable', /\?/],
    // column references
    ['postgres', 'secret = 1', 'column', /unknown column "secret"/],
    ['postgres', "t.status = 'a'", 'qualified-column', /qualified column t\.status/],
    ['postgres', "public.t.status = 'a'", 'qualified-column', /public\.t\.status/],
    ['postgres', 'information_schema.tables IS NULL', 'qualified-column', /information_schema\.tables/],
    ['sqlite', '"a"" OR 1=1 --" = 1', 'column', /unknown column "a" OR 1=1 --"/],
    ['mssql', '"a"" OR 1=1 --" = 1', 'column', /unknown column/],
    // node-sql-parser's PostgreSQL grammar has no "" escape inside identifiers: still refused.
    ['postgres', '"a"" OR 1=1 --" = 1', 'syntax', /syntax error/],
    ['mssql', '[status]] OR 1=1 --] = 1', 'syntax', /syntax error/],
    // quotes and escapes
    ['postgres', "name = 'x' OR '1'='1", 'quote', /unbalanced single quote/],
    ['postgres', "' OR '1'='1", 'syntax', /syntax error/],
    ['postgres', '"status = 1', 'quote', /unbalanced double quote/],
    ['mysql', "name = '\\' OR 1=1 -- '", 'backslash', /backslashes are not allowed/],
    ['postgres', "name = 'a\\' OR name = 'b'", 'backslash', /backslashes are not allowed/],
    ['mysql', "name = 'a\\'' OR 1=1", 'backslash', /backslash/],
    ['postgres', "status = 'a' \\g", 'backslash', /backslash/],
    ['postgres', "status = E'\\''", 'literal', /prefixed string literals/],
    ['mysql', "name = _binary'a'", 'literal', /prefixed string literals/],
    ['mysql', 'name = 0x61646d696e', 'literal', /hex/],
    ['mysql', `"status" = 'a'`, 'quote', /double quotes are ambiguous in MySQL/],
    ['postgres', "`status` = 'a'", 'quote', /backtick quoting is only for MySQL/],
    // characters
    ['postgres', "status = 'a\0'", 'character', /NUL/],
    ['postgres', "status = 'a'\0", 'character', /NUL/],
    ['postgres', 'status = \uFF07paid\uFF07', 'character', /U\+FF07/],
    ['postgres', "st\u0430tus = 'paid'", 'character', /U\+0430/],
    ['postgres', "status = 'paid\u202E'", 'character', /U\+202E/],
    ['postgres', "status = 'a' || 'b'", 'character', /'\|'/],
    ['mysql', "name = 'a' && 1", 'character', /'&'/],
    ['postgres', "status ~ 'a'", 'character', /'~'/],
    ['mssql', "status = 'a' AND {fn user()} = 'sa'", 'character', /'\{'/],
    ['postgres', "status::text = 'a'", 'cast', /CAST\(x AS type\) instead of ::/],
    ['postgres', 'CAST(status AS regclass) IS NULL', 'cast', /cast to REGCLASS/],
    // shape
    ['postgres', `status = '${'a'.repeat(FILTER_MAX_LENGTH)}'`, 'too-long', /limit is 4000/],
    ['postgres', '   ', 'empty', /empty/],
    ['postgres', "status = 'a' ORDER BY 1", 'not-boolean', /single boolean expression \(found ORDER BY\)/],
    ['postgres', "status = 'a' LIMIT 1", 'not-boolean', /LIMIT/],
    ['postgres', "status = 'a' GROUP BY status HAVING count(*) > 1", 'not-boolean', /GROUP BY/],
    ['postgres', 'amount + 1', 'not-boolean', /single boolean expression/],
    ['mssql', 'active', 'not-boolean', /single boolean expression/],
    ['postgres', "status = 'a' AND", 'syntax', /syntax error/],
    ['postgres', 'id IN (1, amount)', 'literal', /IN accepts a list of literals/],
    ['postgres', 'status LIKE name', 'literal', /LIKE needs a string literal/],
    ['mysql', "name = 'a' XOR 1", 'operator', /operator XOR is not allowed/],
    ['mssql', 'active IS TRUE', 'operator', /IS TRUE is not supported on SQL Server/],
    ['postgres', 'amount = count(*)', 'function', /aggregate function COUNT is not allowed/],
    ['postgres', "created_at > DATE '2024-01-01'", 'literal', /typed literals/],
    ['postgres', `${'('.repeat(1990)}amount = 1${')'.repeat(1990)}`, 'syntax', /nested too deeply|syntax error/],
  ];

  it('covers at least 40 payloads', () => {
    expect(payloads.length).toBeGreaterThanOrEqual(40);
  });

  it.each(payloads)('%s: %j is refused', (dialect, filter, reason, message) => {
    const err = refusal(dialect, filter);
    expect(err.reason).toBe(reason);
    expect(err.message).toMatch(/^filter: /);
    expect(err.message).toMatch(message);
  });

  it('never echoes a huge payload into the message', () => {
    const err = refusal('postgres', `${'x'.repeat(200)} = 1`);
    expect(err.reason).toBe('column');
    expect(err.message.length).toBeLessThan(120);
  });
});

type Accepted = Array<[string, string]>;

const postgres: Accepted = [
  ["status = 'paid' AND amount >= 10.5", `"status" = 'paid' AND "amount" >= 10.5`],
  ['"order" > 3', '"order" > 3'],
  [`"my col" <> 'x'`, `"my col" <> 'x'`],
  ["STATUS != 'void'", `"status" <> 'void'`],
  ['qty >= 2', '"Qty" >= 2'],
  ['amount IS NOT NULL', '"amount" IS NOT NULL'],
  ["status IN ('paid', 'refunded')", `"status" IN ('paid', 'refunded')`],
  ['id NOT IN (1, -2, 3)', '"id" NOT IN (1, -2, 3)'],
  ['amount NOT BETWEEN 1 AND 100', '"amount" NOT BETWEEN 1 AND 100'],
  ["name LIKE 'O''Brien%'", `"name" LIKE 'O''Brien%'`],
  ["name NOT LIKE 'a!%%' ESCAPE '!'", `"name" NOT LIKE 'a!%%' ESCAPE '!'`],
  ["NOT (status = 'paid' OR amount < 0)", `NOT ("status" = 'paid' OR "amount" < 0)`],
  ["(status = 'a' OR status = 'b') AND (amount + 1) * 2 > 10", `("status" = 'a' OR "status" = 'b') AND ("amount" + 1) * 2 > 10`],
  ["lower(name) = 'bob'", `LOWER("name") = 'bob'`],
  ['coalesce(amount, 0) % 2 = 0', 'COALESCE("amount", 0) % 2 = 0'],
  ['created_at >= now()', '"created_at" >= CURRENT_TIMESTAMP'],
  ['created_at < current_date', '"created_at" < CURRENT_DATE'],
  ['extract(year from created_at) = 2024', 'EXTRACT(YEAR FROM "created_at") = 2024'],
  ["date_part('month', created_at) = 1", 'EXTRACT(MONTH FROM "created_at") = 1'],
  ['CAST(amount AS DECIMAL(10,2)) > 1', 'CAST("amount" AS NUMERIC(10, 2)) > 1'],
  ['active = TRUE AND NOT active IS NULL', '"active" = TRUE AND NOT ("active" IS NULL)'],
  ['active', '"active"'],
  ['- -amount > 0', '-(-"amount") > 0'],
];

const mysql: Accepted = [
  ["status = 'paid' AND amount >= 10.5", "`status` = 'paid' AND `amount` >= 10.5"],
  ['`order` > 3', '`order` > 3'],
  ["`my col` <> 'x'", "`my col` <> 'x'"],
  ["Status != 'void'", "`status` <> 'void'"],
  ['amount IS NULL OR amount = 0', '`amount` IS NULL OR `amount` = 0'],
  ["status IN ('paid', 'refunded')", "`status` IN ('paid', 'refunded')"],
  ['amount BETWEEN -1.5 AND 1e5', '`amount` BETWEEN -1.5 AND 1e5'],
  ["name LIKE 'O''Brien%'", "`name` LIKE 'O''Brien%'"],
  ["NOT (status = 'paid' OR amount < 0)", "NOT (`status` = 'paid' OR `amount` < 0)"],
  ['amount * 2 + 1 > 10', '`amount` * 2 + 1 > 10'],
  ["upper(name) = 'BOB'", "UPPER(`name`) = 'BOB'"],
  ['length(name) > 3', 'CHAR_LENGTH(`name`) > 3'],
  ["substring(name, 1, 2) = 'ab'", "SUBSTRING(`name`, 1, 2) = 'ab'"],
  ["date(created_at) = '2024-01-01'", "DATE(`created_at`) = '2024-01-01'"],
  ['extract(year from created_at) = 2024', 'EXTRACT(YEAR FROM `created_at`) = 2024'],
  ['CAST(amount AS INT) > 1', 'CAST(`amount` AS SIGNED) > 1'],
  ["CAST(id AS VARCHAR(10)) = '1'", "CAST(`id` AS CHAR(10)) = '1'"],
  ['active = FALSE', '`active` = FALSE'],
  ['abs(amount) < 5', 'ABS(`amount`) < 5'],
];

const mssql: Accepted = [
  ["status = 'paid' AND amount >= 10.5", "[status] = 'paid' AND [amount] >= 10.5"],
  ['[order] > 3', '[order] > 3'],
  ["[my col] <> 'x'", "[my col] <> 'x'"],
  ['"order" > 3', '[order] > 3'],
  ["N'café' = name", "N'café' = [name]"],
  ['amount IS NOT NULL', '[amount] IS NOT NULL'],
  ["status NOT IN ('void', 'draft')", "[status] NOT IN ('void', 'draft')"],
  ['amount BETWEEN 1 AND 100', '[amount] BETWEEN 1 AND 100'],
  ["name LIKE '[A-C]%'", "[name] LIKE '[A-C]%'"],
  ["NOT (status = 'paid' OR amount < 0)", "NOT ([status] = 'paid' OR [amount] < 0)"],
  ['active = TRUE', '[active] = 1'],
  ["TRUE AND status = 'a'", "1 = 1 AND [status] = 'a'"],
  ['round(amount) = 2', 'ROUND([amount], 0) = 2'],
  ["trim(name) = 'x'", "LTRIM(RTRIM([name])) = 'x'"],
  ['length(name) > 3', 'LEN([name]) > 3'],
  ["date_part('year', created_at) = 2024", 'DATEPART(YEAR, [created_at]) = 2024'],
  ['created_at >= current_date', '[created_at] >= CAST(GETDATE() AS DATE)'],
  ["CAST(id AS VARCHAR(10)) = '1'", "CAST([id] AS NVARCHAR(10)) = '1'"],
  ['amount % 2 = 1', '[amount] % 2 = 1'],
];

const oracle: Accepted = [
  ["status = 'paid' AND amount >= 10.5", `"status" = 'paid' AND "amount" >= 10.5`],
  ['"order" > 3', '"order" > 3'],
  [`"my col" <> 'x'`, `"my col" <> 'x'`],
  ['QTY >= 2', '"Qty" >= 2'],
  ['amount IS NULL', '"amount" IS NULL'],
  ["status IN ('paid', 'refunded')", `"status" IN ('paid', 'refunded')`],
  ['amount BETWEEN 1 AND 100', '"amount" BETWEEN 1 AND 100'],
  ["name LIKE 'O''Brien%'", `"name" LIKE 'O''Brien%'`],
  ['amount % 2 = 1', 'MOD("amount", 2) = 1'],
  ['active = FALSE', '"active" = 0'],
  ['NOT FALSE', 'NOT (1 = 0)'],
  ['length(name) > 3', 'LENGTH("name") > 3'],
  ["substr(name, 2) = 'b'", `SUBSTR("name", 2) = 'b'`],
  ['created_at >= current_date', '"created_at" >= TRUNC(SYSDATE)'],
  ['extract(month from created_at) = 6', 'EXTRACT(MONTH FROM "created_at") = 6'],
  ["CAST(id AS VARCHAR(20)) = '1'", `CAST("id" AS VARCHAR2(20)) = '1'`],
  ['CAST(amount AS DOUBLE PRECISION) > 1', 'CAST("amount" AS BINARY_DOUBLE) > 1'],
];

const sqlite: Accepted = [
  ["status = 'paid' AND amount >= 10.5", `"status" = 'paid' AND "amount" >= 10.5`],
  ['"order" > 3', '"order" > 3'],
  [`"my col" <> 'x'`, `"my col" <> 'x'`],
  ['"Qty" >= 2', '"Qty" >= 2'],
  ['amount IS NOT NULL', '"amount" IS NOT NULL'],
  ["status IN ('paid', 'refunded')", `"status" IN ('paid', 'refunded')`],
  ['amount BETWEEN 1 AND 100', '"amount" BETWEEN 1 AND 100'],
  ["name LIKE 'a!%' ESCAPE '!'", `"name" LIKE 'a!%' ESCAPE '!'`],
  ["NOT (status = 'paid' OR amount < 0)", `NOT ("status" = 'paid' OR "amount" < 0)`],
  ['active', '"active"'],
  ['active = TRUE', '"active" = TRUE'],
  ["date_part('year', created_at) = 2024", `CAST(STRFTIME('%Y', "created_at") AS INTEGER) = 2024`],
  ["CAST(created_at AS DATE) = '2024-01-31'", `DATE("created_at") = '2024-01-31'`],
  ['CAST(amount AS DECIMAL(10,2)) > 1', 'CAST("amount" AS NUMERIC) > 1'],
  ["coalesce(name, '') <> ''", `COALESCE("name", '') <> ''`],
];

describe.each<[DialectName, Accepted]>([
  ['postgres', postgres],
  ['mysql', mysql],
  ['mssql', mssql],
  ['oracle', oracle],
  ['sqlite', sqlite],
])('validateFilter renders accepted filters for %s', (dialect, cases) => {
  it('has at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('%s', (filter, sql) => {
    expect(validateFilter({ dialect, filter, columns }).sql).toBe(sql);
  });
});

describe('validateFilter', () => {
  it('reports the referenced columns with the table spelling, once each, in order of use', () => {
    const result = validateFilter({ dialect: 'postgres', filter: "qty > 1 AND status = 'a' AND QTY < 9", columns });
    expect(result.columns).toEqual(['Qty', 'status']);
  });

  it('prefers the exact column and refuses an ambiguous case-insensitive match', () => {
    const both = ['Name', 'name'];
    expect(validateFilter({ dialect: 'postgres', filter: `"Name" = 'a'`, columns: both }).sql).toBe(`"Name" = 'a'`);
    expect(() => validateFilter({ dialect: 'postgres', filter: "NAME = 'a'", columns: both })).toThrow(/ambiguous/);
  });

  it('quotes column names that contain the quote character by doubling it', () => {
    const odd = ['we"ird', 'back`tick', 'brack]et'];
    expect(validateFilter({ dialect: 'sqlite', filter: '"we""ird" = 1', columns: odd }).sql).toBe('"we""ird" = 1');
    expect(validateFilter({ dialect: 'mysql', filter: '`back``tick` = 1', columns: odd }).sql).toBe('`back``tick` = 1');
    expect(validateFilter({ dialect: 'mssql', filter: '"brack]et" = 1', columns: odd }).sql).toBe('[brack]]et] = 1');
    expect(validateFilter({ dialect: 'mssql', filter: '"we""ird" = 1', columns: odd }).sql).toBe('[we"ird] = 1');
    expect(validateFilter({ dialect: 'oracle', filter: 'WE = 1', columns: ['we'] }).sql).toBe('"we" = 1');
  });

  it('describes the rules for the API docs', () => {
    const text = describeFilterRules();
    expect(text).toMatch(/one boolean expression/);
    expect(text).toMatch(/4000/);
    expect(text).toMatch(/subqueries/);
  });
});
