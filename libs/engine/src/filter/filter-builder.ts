import type { ExpressionDialect, SqlStyle } from '@dbferry/dialects-core';
import { asciiLower, isEmpty, isNode, type Node, onlyKeys, short, undouble } from './filter-ast';
import { FilterError } from './filter-error';
import type { GrammarReads } from './filter-grammar';
import { isCondition, type CastType, type DatePart, type FilterExpr, type FilterFunction } from './filter-ir';

const FUNCTIONS: Record<string, { fn: FilterFunction; min: number; max: number }> = {
  lower: { fn: 'lower', min: 1, max: 1 },
  upper: { fn: 'upper', min: 1, max: 1 },
  length: { fn: 'char_length', min: 1, max: 1 },
  char_length: { fn: 'char_length', min: 1, max: 1 },
  character_length: { fn: 'char_length', min: 1, max: 1 },
  coalesce: { fn: 'coalesce', min: 2, max: 32 },
  abs: { fn: 'abs', min: 1, max: 1 },
  round: { fn: 'round', min: 1, max: 2 },
  trim: { fn: 'trim', min: 1, max: 1 },
  substring: { fn: 'substring', min: 2, max: 3 },
  substr: { fn: 'substring', min: 2, max: 3 },
  date: { fn: 'date', min: 1, max: 1 },
  current_date: { fn: 'current_date', min: 0, max: 0 },
  current_timestamp: { fn: 'current_timestamp', min: 0, max: 0 },
  now: { fn: 'current_timestamp', min: 0, max: 0 },
};

const DATE_PARTS: readonly DatePart[] = ['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND'];
const COMPARE: Record<string, Extract<FilterExpr, { kind: 'compare' }>['op']> = {
  '=': '=',
  '<>': '<>',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Converts a parsed WHERE into the filter IR, refusing anything outside the allowed subset. */
export class FilterBuilder {
  readonly referenced: string[] = [];

  constructor(
    private readonly style: Pick<SqlStyle, 'booleanValues' | 'filter'>,
    private readonly reads: GrammarReads,
    private readonly columns: readonly string[],
    /** Given for a transform expression: `||`, CASE and the dialect's expression functions are allowed too. */
    private readonly expression?: ExpressionDialect,
  ) {}

  /** A transform expression's top: a value, or a condition where the dialect has boolean values. */
  scalar(node: unknown): FilterExpr {
    const e = this.expr(node);
    if (isCondition(e) && !this.style.booleanValues) throw new FilterError('not-boolean', 'a condition is not a value here: use CASE WHEN … THEN 1 ELSE 0 END');
    return e;
  }

  /** Something that is true or false: top level, and each side of AND / OR / NOT. */
  condition(node: unknown): FilterExpr {
    const e = this.expr(node);
    if (isCondition(e) || e.kind === 'bool') return e;
    if (e.kind === 'column' && this.style.booleanValues) return e;
    throw new FilterError(
      'not-boolean',
      'must be a single boolean expression (comparisons, IN, BETWEEN, LIKE, IS NULL joined by AND / OR / NOT)',
    );
  }

  value(node: unknown): FilterExpr {
    const e = this.expr(node);
    if (isCondition(e)) throw new FilterError('unsupported', 'a condition cannot be used as a value');
    return e;
  }

  private expr(node: unknown): FilterExpr {
    if (!isNode(node)) throw new FilterError('unsupported', 'unsupported syntax');
    if (node.type === 'select' || 'ast' in node) throw new FilterError('subquery', 'subqueries are not allowed');
    switch (node.type) {
      case 'binary_expr':
        return this.binary(node);
      case 'unary_expr':
        return this.unary(node);
      case 'function':
        return this.func(node);
      case 'column_ref':
        return this.columnRef(node);
      case 'double_quote_string':
        // SQL Server (QUOTED_IDENTIFIER ON) and SQLite read "x" as a column name.
        if (this.reads.doubleQuotedTextIsColumn) return this.column(undouble(this.text(node), '"'));
        throw new FilterError('syntax', 'unexpected double-quoted text');
      case 'single_quote_string':
        onlyKeys(node, ['value'], 'string literal');
        return { kind: 'string', value: undouble(this.text(node), "'"), national: false };
      case 'var_string':
        if (!this.style.filter.nationalStrings) throw new FilterError('literal', 'prefixed string literals are not allowed');
        onlyKeys(node, ['value'], 'string literal');
        return { kind: 'string', value: undouble(this.text(node), "'"), national: true };
      case 'number':
      case 'bigint':
        return this.number(node);
      case 'bool':
        onlyKeys(node, ['value'], 'boolean');
        return { kind: 'bool', value: node.value === true };
      case 'null':
        onlyKeys(node, ['value'], 'NULL');
        return { kind: 'null' };
      case 'cast':
        return this.cast(node);
      case 'extract':
        return this.extract(node);
      case 'var':
      case 'param':
        throw new FilterError('variable', 'variables and bind parameters are not allowed');
      case 'origin':
        if (node.value === '?') throw new FilterError('variable', 'variables and bind parameters are not allowed');
        throw new FilterError('unsupported', `${short(String(node.value))} is not allowed`);
      case 'case':
        if (this.expression) return this.caseExpr(node);
        throw new FilterError('unsupported', 'CASE expressions are not allowed');
      case 'aggr_func':
        throw new FilterError('function', `aggregate function ${short(String(node.name))} is not allowed`);
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime':
      case 'interval':
        throw new FilterError('literal', "typed literals (DATE '…', INTERVAL '…') are not allowed: compare with '…' or CAST('…' AS DATE)");
      case 'full_hex_string':
      case 'hex_string':
      case 'bit_string':
        throw new FilterError('literal', 'hex and bit literals are not allowed');
      case 'expr_list': {
        const items = Array.isArray(node.value) ? node.value : [];
        if (items.length === 1) return this.expr(items[0]);
        throw new FilterError('unsupported', 'a list of values is only allowed after IN');
      }
      default:
        throw new FilterError('unsupported', `${short(String(node.type))} is not allowed`);
    }
  }

  private text(node: Node): string {
    if (typeof node.value !== 'string') throw new FilterError('literal', 'malformed literal');
    return node.value;
  }

  private number(node: Node): FilterExpr {
    onlyKeys(node, ['value'], 'number');
    const text = typeof node.value === 'number' ? String(node.value) : typeof node.value === 'string' ? node.value : '';
    if (!NUMBER.test(text)) throw new FilterError('literal', `invalid number ${short(text)}`);
    return { kind: 'number', text };
  }

  private literal(node: unknown): FilterExpr {
    const e = this.value(node);
    const negative = e.kind === 'negate' && e.expr.kind === 'number';
    if (e.kind === 'string' || e.kind === 'number' || e.kind === 'bool' || e.kind === 'null' || negative) return e;
    throw new FilterError('literal', 'IN accepts a list of literals only');
  }

  private list(node: unknown, what: string): unknown[] {
    if (isNode(node) && 'ast' in node) throw new FilterError('subquery', 'subqueries are not allowed');
    if (!isNode(node) || node.type !== 'expr_list' || !Array.isArray(node.value)) {
      throw new FilterError('syntax', `${what} needs a parenthesised list`);
    }
    onlyKeys(node, ['value'], what);
    return node.value;
  }

  private binary(node: Node): FilterExpr {
    onlyKeys(node, ['operator', 'left', 'right'], 'expression');
    const op = String(node.operator).toUpperCase();
    const negated = op.startsWith('NOT ') || op === 'IS NOT';
    switch (op) {
      case 'AND':
      case 'OR':
        return { kind: 'logical', op, left: this.condition(node.left), right: this.condition(node.right) };
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
        return { kind: 'arith', op, left: this.value(node.left), right: this.value(node.right) };
      case '||':
        if (this.expression?.pipesConcat) return { kind: 'concat', left: this.value(node.left), right: this.value(node.right) };
        if (this.expression) throw new FilterError('operator', '|| is a logical OR here, not a text concatenation: use CONCAT(a, b)');
        throw new FilterError('operator', `operator ${short(op)} is not allowed`);
      case 'IS':
      case 'IS NOT': {
        const right = isNode(node.right) ? node.right : {};
        const value = right.type === 'null' ? 'NULL' : right.type === 'bool' ? (right.value === true ? 'TRUE' : 'FALSE') : undefined;
        if (!value) throw new FilterError('operator', `${op} must be followed by NULL, TRUE or FALSE`);
        return { kind: 'is', expr: this.value(node.left), negated, value };
      }
      case 'IN':
      case 'NOT IN': {
        const items = this.list(node.right, op);
        if (items.length === 0) throw new FilterError('syntax', `${op} needs at least one value`);
        return { kind: 'in', expr: this.value(node.left), negated, list: items.map((x) => this.literal(x)) };
      }
      case 'BETWEEN':
      case 'NOT BETWEEN': {
        const bounds = this.list(node.right, op);
        if (bounds.length !== 2) throw new FilterError('syntax', `${op} needs two bounds`);
        return { kind: 'between', expr: this.value(node.left), negated, low: this.value(bounds[0]), high: this.value(bounds[1]) };
      }
      case 'LIKE':
      case 'NOT LIKE':
        return { kind: 'like', expr: this.value(node.left), negated, ...this.likePattern(node.right) };
      default:
        if (op in COMPARE) return { kind: 'compare', op: COMPARE[op], left: this.value(node.left), right: this.value(node.right) };
        throw new FilterError('operator', `operator ${short(op)} is not allowed`);
    }
  }

  private likePattern(node: unknown): { pattern: string; escape?: string } {
    const plain = (n: unknown): string | undefined =>
      isNode(n) && (n.type === 'single_quote_string' || (n.type === 'var_string' && this.style.filter.nationalStrings)) && typeof n.value === 'string'
        ? undouble(n.value, "'")
        : undefined;
    const pattern = plain(node);
    if (pattern === undefined || !isNode(node)) throw new FilterError('literal', 'LIKE needs a string literal pattern');
    onlyKeys(node, ['value', 'escape'], 'LIKE pattern');
    if (isEmpty(node.escape)) return { pattern };
    const escape = isNode(node.escape) && node.escape.type === 'ESCAPE' ? plain(node.escape.value) : undefined;
    if (escape === undefined || [...escape].length !== 1) throw new FilterError('literal', 'ESCAPE needs a one-character string literal');
    return { pattern, escape };
  }

  private unary(node: Node): FilterExpr {
    onlyKeys(node, ['operator', 'expr'], 'expression');
    const op = String(node.operator).toUpperCase();
    if (op === 'NOT') return { kind: 'not', expr: this.condition(node.expr) };
    if (op === 'EXISTS') throw new FilterError('subquery', 'subqueries are not allowed (EXISTS)');
    if (op === '+') return this.value(node.expr);
    if (op === '-') return { kind: 'negate', expr: this.value(node.expr) };
    throw new FilterError('operator', `operator ${short(op)} is not allowed`);
  }

  private func(node: Node): FilterExpr {
    onlyKeys(node, ['name', 'args', 'args_parentheses'], 'function call');
    const nameNode = isNode(node.name) ? node.name : {};
    const parts = (Array.isArray(nameNode.name) ? nameNode.name : []).map((p: unknown) => (isNode(p) ? String(p.value) : '?'));
    const schema = isNode(nameNode.schema) ? String(nameNode.schema.value) : undefined;
    const full = [schema, ...parts].filter((p) => p !== undefined).join('.');
    if (parts.length !== 1 || schema !== undefined) throw new FilterError('function', `function ${short(full)} is not allowed`);
    const name = asciiLower(parts[0]);
    const args = node.args === undefined || node.args === null ? [] : this.list(node.args, `function ${name}`);

    if (name === 'exists') throw new FilterError('subquery', 'subqueries are not allowed (EXISTS)');
    if (name === 'not' && args.length === 1) return { kind: 'not', expr: this.condition(args[0]) };
    if (name === 'date_part') {
      if (args.length !== 2) throw new FilterError('function', 'function date_part needs 2 arguments');
      const field = isNode(args[0]) && args[0].type === 'single_quote_string' ? String(args[0].value).toUpperCase() : '';
      return { kind: 'extract', part: this.datePart(field), source: this.value(args[1]) };
    }
    const known = FUNCTIONS[name];
    const own = this.expression && Object.hasOwn(this.expression.functions, name) ? this.expression.functions[name] : undefined;
    if (!known && own) {
      if (args.length < own.min || args.length > own.max) {
        const count = own.min === own.max ? `${own.min}` : `${own.min} to ${own.max}`;
        throw new FilterError('function', `function ${name} takes ${count} argument${own.max === 1 ? '' : 's'}`);
      }
      return { kind: 'function', name, args: args.map((a) => this.scalar(a)) };
    }
    if (!known) throw new FilterError('function', `function ${short(parts[0])} is not allowed`);
    if (args.length < known.min || args.length > known.max) {
      const count = known.min === known.max ? `${known.min}` : `${known.min} to ${known.max}`;
      throw new FilterError('function', `function ${name} takes ${count} argument${known.max === 1 ? '' : 's'}`);
    }
    return { kind: 'call', fn: known.fn, args: args.map((a) => this.value(a)) };
  }

  /** CASE [x] WHEN … THEN … [ELSE …] END; a simple CASE becomes WHEN x = … . */
  private caseExpr(node: Node): FilterExpr {
    onlyKeys(node, ['expr', 'args'], 'CASE');
    const subject = isEmpty(node.expr) ? undefined : this.value(node.expr);
    const args = Array.isArray(node.args) ? node.args : [];
    const whens: { when: FilterExpr; then: FilterExpr }[] = [];
    let otherwise: FilterExpr | undefined;
    for (const arg of args) {
      if (!isNode(arg) || otherwise !== undefined) throw new FilterError('syntax', 'malformed CASE');
      if (arg.type === 'when') {
        onlyKeys(arg, ['cond', 'result'], 'CASE WHEN');
        const when = subject ? { kind: 'compare' as const, op: '=' as const, left: subject, right: this.value(arg.cond) } : this.condition(arg.cond);
        whens.push({ when, then: this.value(arg.result) });
      } else if (arg.type === 'else') {
        onlyKeys(arg, ['result'], 'CASE ELSE');
        otherwise = this.value(arg.result);
      } else throw new FilterError('syntax', 'malformed CASE');
    }
    if (!whens.length) throw new FilterError('syntax', 'CASE needs at least one WHEN');
    return { kind: 'case', whens, ...(otherwise !== undefined && { else: otherwise }) };
  }

  private datePart(field: string): DatePart {
    const part = DATE_PARTS.find((p) => p === field);
    if (!part) throw new FilterError('function', `date part ${short(field) || '(none)'} is not allowed; use one of ${DATE_PARTS.join(', ')}`);
    return part;
  }

  private extract(node: Node): FilterExpr {
    onlyKeys(node, ['args'], 'EXTRACT');
    const args = isNode(node.args) ? node.args : {};
    onlyKeys(args, ['field', 'source'], 'EXTRACT');
    return { kind: 'extract', part: this.datePart(String(args.field).toUpperCase()), source: this.value(args.source) };
  }

  private cast(node: Node): FilterExpr {
    onlyKeys(node, ['keyword', 'expr', 'symbol', 'target'], 'CAST');
    if (String(node.keyword).toLowerCase() !== 'cast' || String(node.symbol).toLowerCase() !== 'as') {
      throw new FilterError('cast', 'only CAST(expression AS type) is allowed');
    }
    const targets = Array.isArray(node.target) ? node.target : [];
    const target = targets.length === 1 && isNode(targets[0]) ? targets[0] : undefined;
    if (!target) throw new FilterError('cast', 'CAST needs one target type');
    onlyKeys(target, ['dataType', 'length', 'scale'], 'CAST type');
    return { kind: 'cast', expr: this.value(node.expr), type: this.castType(target) };
  }

  private castType(target: Node): CastType {
    const name = String(target.dataType).toUpperCase();
    const int = (v: unknown, min: number, max: number, what: string): number | undefined => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new FilterError('cast', `${what} must be an integer from ${min} to ${max}`);
      }
      return v;
    };
    switch (name) {
      case 'INT':
      case 'INTEGER':
        return { kind: 'integer', name: 'INTEGER' };
      case 'BIGINT':
      case 'SMALLINT':
        return { kind: 'integer', name };
      case 'DECIMAL':
      case 'NUMERIC': {
        const precision = int(target.length, 1, 38, 'precision');
        const scale = int(target.scale, 0, precision ?? 38, 'scale');
        return { kind: 'decimal', precision, scale };
      }
      case 'REAL':
      case 'FLOAT':
      case 'DOUBLE':
      case 'DOUBLE PRECISION':
        return { kind: 'float' };
      case 'CHAR':
      case 'VARCHAR':
      case 'NVARCHAR':
      case 'TEXT':
        return { kind: 'text', length: int(target.length, 1, 65535, 'length') };
      case 'DATE':
        return { kind: 'date' };
      case 'TIMESTAMP':
      case 'DATETIME':
      case 'DATETIME2':
        return { kind: 'timestamp' };
      default:
        throw new FilterError('cast', `cast to ${short(name)} is not allowed`);
    }
  }

  private columnRef(node: Node): FilterExpr {
    onlyKeys(node, ['table', 'column', 'db', 'schema'], 'column');
    const raw = node.column;
    let name: string | undefined;
    if (typeof raw === 'string') {
      name = this.reads.columnNameKeepsDoubledBackticks ? undouble(raw, '`') : raw;
    } else if (isNode(raw) && isNode(raw.expr) && typeof raw.expr.value === 'string') {
      name = raw.expr.type === 'double_quote_string' ? undouble(raw.expr.value, '"') : raw.expr.value;
    }
    if (name === undefined || name === '*') throw new FilterError('column', 'malformed column reference');
    const qualifier = [node.db, node.schema, node.table].filter((p) => !isEmpty(p)).map((p) => (isNode(p) ? String(p.value) : String(p)));
    if (qualifier.length > 0) {
      throw new FilterError('qualified-column', `qualified column ${short([...qualifier, name].join('.'))} is not allowed: use the column name alone`);
    }
    // The MySQL grammar reads 1e5 as a column name.
    if (typeof raw === 'string' && NUMBER.test(name) && !this.columns.includes(name)) return { kind: 'number', text: name };
    return this.column(name);
  }

  /** Exact name first, then a unique ASCII case-insensitive match; the table's spelling is rendered. */
  private column(name: string): FilterExpr {
    let match = this.columns.find((c) => c === name);
    if (match === undefined) {
      const folded = this.columns.filter((c) => asciiLower(c) === asciiLower(name));
      if (folded.length > 1) {
        throw new FilterError('column', `column "${short(name)}" is ambiguous (${folded.map((c) => `"${short(c)}"`).join(', ')}): quote it with its exact case`);
      }
      match = folded[0];
    }
    if (match === undefined) throw new FilterError('column', `unknown column "${short(name)}"`);
    if (!this.referenced.includes(match)) this.referenced.push(match);
    return { kind: 'column', name: match };
  }
}

