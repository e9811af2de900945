import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import type { NextFunction, Request, Response } from 'express';
import { fieldError, type FieldProblem } from './validation';

/** Deeper JSON than any DTO needs; refused before class-transformer (which recurses) sees it. */
export const MAX_BODY_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SWAGGER_PROPERTIES = 'swagger/apiModelPropertiesArray';
const SWAGGER_PROPERTY = 'swagger/apiModelProperties';

const childPath = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/** Why a string cannot be stored (PostgreSQL text refuses U+0000; UTF-8 cannot encode a lone surrogate). */
function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it holds a lone surrogate)';
  return undefined;
}

/** The first path nested deeper than `max`, walked without recursion (the value may be 100,000 levels deep). */
export function tooDeep(root: unknown, max = MAX_BODY_DEPTH): string | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: '', depth: 0 }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) return path;
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [key, v] of entries) stack.push({ value: v, path: childPath(path, key), depth: depth + 1 });
  }
  return undefined;
}

/** Express middleware after the body parsers: a body nested deeper than MAX_BODY_DEPTH is a 400 naming where. */
export function bodyDepthGuard(req: Request, res: Response, next: NextFunction): void {
  const deep = tooDeep(req.body);
  if (deep === undefined) return next();
  const field = deep ? `body.${deep}` : 'body';
  res.status(400).json({
    statusCode: 400,
    error: 'Bad Request',
    message: `${field}: nested deeper than ${MAX_BODY_DEPTH} levels`,
    details: [{ field, message: `nested deeper than ${MAX_BODY_DEPTH} levels` }],
  });
}

/** NUL bytes and lone surrogates anywhere in the value, keys included, each with its field path. */
export function textProblems(root: unknown, rootPath: string, rootLabel = 'body'): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value: root, path: rootPath, depth: 0 }];
  for (let item = stack.pop(); item && problems.length < 20; item = stack.pop()) {
    const { value, path, depth } = item;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) problems.push({ field: path || rootLabel, message: `${path || rootLabel} ${problem}` });
      continue;
    }
    if (typeof value !== 'object' || value === null || depth > MAX_BODY_DEPTH) continue;
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
    for (const [key, v] of entries) {
      const keyProblem = typeof key === 'string' ? stringProblem(key) : undefined;
      if (keyProblem) {
        // The key itself is the field; JSON-escaped, so the NUL or surrogate shows as \u0000 / \ud800.
        const field = childPath(path, JSON.stringify(key).slice(1, -1).slice(0, 64));
        problems.push({ field, message: `${field} (a key) ${keyProblem}` });
        continue;
      }
      stack.push({ value: v, path: childPath(path, key), depth: depth + 1 });
    }
  }
  return problems;
}

type Dto = abstract new (...args: never[]) => unknown;

const isDto = (type: unknown): type is Dto =>
  typeof type === 'function' && Array.isArray(Reflect.getMetadata(SWAGGER_PROPERTIES, (type as Dto).prototype as object));

/**
 * `null` for a property is accepted only where the DTO documents it as nullable (null clears it);
 * elsewhere class-validator's @IsOptional would let it through to a NOT NULL column.
 */
export function nullProblems(value: unknown, type: unknown, path = ''): FieldProblem[] {
  if (!isDto(type) || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const prototype = type.prototype as object;
  const names = new Set((Reflect.getMetadata(SWAGGER_PROPERTIES, prototype) as string[]).map((n) => n.replace(/^:/, '')));
  const problems: FieldProblem[] = [];
  for (const name of names) {
    if (!Object.prototype.hasOwnProperty.call(value, name)) continue;
    const field = childPath(path, name);
    const meta = (Reflect.getMetadata(SWAGGER_PROPERTY, prototype, name) ?? {}) as { nullable?: boolean; type?: unknown };
    const v = (value as Record<string, unknown>)[name];
    if (v === null) {
      if (!meta.nullable) problems.push({ field, message: `${field} must not be null` });
    } else if (Array.isArray(v)) {
      const itemType = Array.isArray(meta.type) ? meta.type[0] : meta.type;
      v.slice(0, 1000).forEach((item, i) => problems.push(...nullProblems(item, itemType, childPath(field, i))));
    } else {
      problems.push(...nullProblems(v, meta.type, field));
    }
  }
  return problems;
}

/**
 * Runs before the ValidationPipe on every body, query and path parameter: text a store cannot
 * hold and nulls a field cannot take become a 400 naming the field, instead of a 500 later.
 */
@Injectable()
export class InputGuardPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'body' && !metadata.data && isDto(metadata.metatype) && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw fieldError([{ field: 'body', message: 'body must be a JSON object' }]);
    }
    const root = metadata.type === 'body' ? '' : (metadata.data ?? '');
    const problems = [...textProblems(value, root, metadata.type), ...(metadata.type === 'body' && !metadata.data ? nullProblems(value, metadata.metatype) : [])];
    if (problems.length) throw fieldError(problems);
    return value;
  }
}

/** `@Param('id', UuidParamPipe)`: a 400 naming the parameter when it is not a UUID. */
@Injectable()
export class UuidParamPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    const name = metadata.data ?? 'id';
    if (typeof value !== 'string' || !isUUID(value)) {
      throw fieldError([{ field: name, message: `${name} must be a UUID` }]);
    }
    return value;
  }
}

const decodes = (segment: string) => {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
};

/**
 * Express middleware before the router: a path segment that is not valid percent-encoding (which
 * the router would refuse as "Failed to decode param") is a 400 naming the route's parameter,
 * found by matching the path against the documented templates ("/api/jobs/{id}").
 */
export function pathDecodeGuard(templates: string[]) {
  const split = templates.map((t) => t.split('/').filter(Boolean));
  return (req: Request, res: Response, next: NextFunction): void => {
    const segments = req.path.split('/').filter(Boolean);
    const bad = segments.findIndex((s) => !decodes(s));
    if (bad === -1) return next();
    // The bad segment must sit where the template has a parameter (`/api/jobs/{id}`, not `/api/jobs/preview`).
    const isParam = (part: string) => /^\{.+\}$/.test(part);
    const template = split.find((t) => t.length === segments.length && t.every((part, i) => (i === bad ? isParam(part) : isParam(part) || part === segments[i])));
    const param = template?.[bad]?.match(/^\{(.+)\}$/)?.[1] ?? 'path';
    const message = `${param} is not valid percent-encoding`;
    res.status(400).json({ statusCode: 400, error: 'Bad Request', message, details: [{ field: param, message }] });
  };
}
