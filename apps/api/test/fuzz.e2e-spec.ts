import request from 'supertest';
import jwt from 'jsonwebtoken';
import { Client } from 'pg';
import { createConnection } from 'mysql2/promise';
import { createMysqlDatabase, createPostgresDatabase, EphemeralDatabase } from '@dbferry/testing';
import { ApiHarness, startApi } from './harness';

/** The parts of an OpenAPI 3 document the generator reads. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: Schema;
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  example?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: unknown[];
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** One request the fuzzer sends, and the name its 4xx must carry. */
interface Case {
  label: string;
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  /** A JSON value, or raw text sent as application/json. */
  body?: unknown;
  raw?: string;
  /** Of `raw`; JSON unless said. */
  contentType?: string;
  /** The field or parameter a 4xx must name (any one of them). */
  names: string[];
  anonymous?: boolean;
  /** A 404 may name the thing by this value instead. */
  notFound?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const MAX_CASES = 3000;
const CONCURRENCY = 4;
/** Routes that start real work (a run, a mail) or delete fixtures get invalid input only. */
const INVALID_ONLY = [/^post \/api\/jobs\/\{id\}\/run$/, /^post \/api\/alerts\/test$/, /^delete /, /\/stream$/, /^post \/api\/runs\/\{id\}\/cancel$/];

const NEVER_VALID = new Set(['null', 'NUL', 'lone surrogate', 'huge string', 'deep value', 'array of NUL']);

/** mulberry32: the same cases on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Far above any field's maximum but inside the 1 MB body limit, so the field's own rules must refuse it (each route also gets a body over 1 MB). */
const HUGE = 'x'.repeat(200_000);

const deepValue = (levels: number): unknown => {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = i % 2 ? { a: value } : [value];
  return value;
};
const deepText = (levels: number) => `{"a":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** Values that are wrong for a field of this schema (or wrong for any field). */
function badValues(schema: Schema): { label: string; value: unknown }[] {
  const values: { label: string; value: unknown }[] = [
    { label: 'null', value: null },
    { label: 'NUL', value: 'adm\u0000in' },
    { label: 'lone surrogate', value: 'a\ud800b' },
    { label: 'deep value', value: deepValue(40) },
    { label: 'object', value: { nested: { x: 1 } } },
    { label: 'array of NUL', value: ['\u0000'] },
  ];
  if (schema.type === 'string' || schema.enum) values.push({ label: 'number for string', value: 12345 }, { label: 'empty string', value: '' }, { label: 'huge string', value: HUGE });
  if (schema.format === 'uuid') values.push({ label: 'bad uuid', value: 'not-a-uuid' }, { label: 'bad uuid 2', value: '00000000-0000-0000-0000-00000000000g' });
  if (schema.type === 'integer' || schema.type === 'number') {
    values.push(
      { label: 'string for number', value: '12' },
      { label: 'huge number', value: 1e20 },
      { label: 'negative', value: -1 },
      { label: 'fraction', value: 1.5 },
      { label: 'above maximum', value: (schema.maximum ?? 1e9) + 1 },
    );
  }
  if (schema.type === 'boolean') values.push({ label: 'string for boolean', value: 'true' });
  if (schema.type === 'array') values.push({ label: 'string for array', value: 'a,b' }, { label: 'array of numbers', value: [1, 2] }, { label: 'many items', value: Array(3000).fill('x') });
  if (schema.type === 'object' || schema.additionalProperties) {
    values.push({ label: 'NUL key', value: { 'a\u0000b': 'x' } }, { label: 'NUL in value', value: { note: 'a\u0000b' } }, { label: 'surrogate key', value: { '\udc00': 'x' } });
  }
  return values;
}

const decodes = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
};

const BAD_PATH_VALUES = ['not-a-uuid', '%', '%ED%A0%80', 'a%00b', '%F0%9F%98%80', 'x'.repeat(5000), '00000000-0000-0000-0000-00000000000g'];
const BAD_QUERY_VALUES: (string | string[])[] = ['-1', '99999999999999999999', 'abc', '1.5', 'a\u0000b', ['1', '2']];

describe('fuzzing every documented route (e2e)', () => {
  let api: ApiHarness;
  let token: string;
  let pg: EphemeralDatabase;
  let my: EphemeralDatabase;
  let doc: OpenApi;
  const ids: Record<string, string> = {};
  const auth = () => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    api = await startApi();
    token = await api.adminToken();
    pg = await createPostgresDatabase('dbferry_fuzz');
    my = await createMysqlDatabase('dbferry_fuzz');
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    await client.query('CREATE TABLE items (id int PRIMARY KEY, note text)').finally(() => client.end());
    const mysql = await createConnection({ uri: my.url });
    await mysql.query('CREATE TABLE items (id int PRIMARY KEY, note text)').finally(() => mysql.end());
    const make = async (path: string, body: object) => (await request(api.http).post(path).set(auth()).send(body).expect(201)).body.id as string;
    const pgUrl = new URL(pg.url);
    const myUrl = new URL(my.url);
    ids['pg'] = await make('/api/connections', { name: 'fuzz-pg', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port || 5432), database: pg.name, username: 'postgres' });
    ids['my'] = await make('/api/connections', { name: 'fuzz-my', dialect: 'mysql', host: '127.0.0.1', port: Number(myUrl.port || 3306), database: my.name, username: 'root' });
    ids['job'] = await make('/api/jobs', { name: 'fuzz-job', sourceId: ids['pg'], targetId: ids['my'], tables: [{ source: 'public.items', target: `${my.name}.items` }], mode: 'full', writeMode: 'upsert' });
    ids['user'] = await make('/api/users', { username: 'fuzz-viewer', password: 'fuzz-viewer-password', role: 'viewer' });
    ids['pgVictim'] = await make('/api/connections', { name: 'fuzz-pg-2', dialect: 'postgres', host: '127.0.0.1', port: Number(pgUrl.port || 5432), database: pg.name, username: 'postgres' });
    ids['jobVictim'] = await make('/api/jobs', { name: 'fuzz-job-2', sourceId: ids['pg'], targetId: ids['my'], tables: [{ source: 'public.items', target: `${my.name}.items` }], mode: 'full', writeMode: 'upsert' });
    ids['userVictim'] = await make('/api/users', { username: 'fuzz-viewer-2', password: 'fuzz-viewer-password', role: 'viewer' });
    // A queued run (no worker runs here) for the /api/runs/{id} routes.
    ids['run'] = (await request(api.http).post(`/api/jobs/${ids['job']}/run`).set(auth()).expect(202)).body.runId as string;
    // A queued diff (no worker here) for the /api/diffs/{id} routes, so a bad query parameter is their only fault.
    ids['diff'] = (await request(api.http).post('/api/diffs').set(auth()).send({ referenceId: ids['pg'], otherIds: [ids['my']], tables: [{ reference: 'public.items' }] }).expect(202)).body.diffId as string;
    // Replica groups over the two items tables for the /api/groups/{id} routes (a copy for writes).
    const group = (name: string) => make('/api/groups', { name, keyColumns: ['id'], members: [{ connectionId: ids['pg'], table: 'public.items' }, { connectionId: ids['my'], table: `${my.name}.items` }] });
    ids['group'] = await group('fuzz-group');
    ids['groupVictim'] = await group('fuzz-group-2');
    doc = (await request(api.http).get('/docs-json').expect(200)).body as OpenApi;
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await pg?.drop();
    await my?.drop();
  });

  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
    if (schema.allOf?.length) return schema.allOf.map(resolve).reduce((a, b) => ({ ...a, ...b, properties: { ...a.properties, ...b.properties } }), {});
    return schema;
  };

  /**
   * The fixture that fills `{name}` on a route (`/api/connections/{id}` → a connection). Writes
   * get their own copies, so a field a PATCH changed cannot break the reads.
   */
  const validParam = (path: string, name: string, method: string): string => {
    const copy = ['patch', 'put'].includes(method) ? 'Victim' : '';
    if (name === 'schema') return 'public';
    if (name === 'table') return 'items';
    if (name === 'key') return '1';
    if (path.startsWith('/api/connections')) return ids[`pg${copy}`]!;
    if (path.startsWith('/api/jobs')) return ids[`job${copy}`]!;
    if (path.startsWith('/api/runs')) return ids['run']!;
    if (path.startsWith('/api/diffs')) return ids['diff']!;
    if (path.startsWith('/api/users')) return ids[`user${copy}`]!;
    if (path.startsWith('/api/groups')) return ids[`group${copy}`]!;
    return '00000000-0000-4000-8000-000000000000';
  };
  /** Documented examples that would name rows this store lacks. */
  const exampleOverrides = (): Record<string, unknown> => ({ sourceId: ids['pg'], targetId: ids['my'] });
  /** The same for required query parameters (GET /api/arbiter reads these connections' items). */
  const queryOverrides = (): Record<string, string> => ({ connections: `${ids['pg']},${ids['my']}`, table: 'items' });

  /** The required query parameters at their documented examples, so one bad parameter is the only fault. */
  const exampleQuery = (params: Parameter[]): Record<string, string> =>
    Object.fromEntries(params.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, queryOverrides()[p.name] ?? String(p.schema?.example ?? '')]));

  /** A body built from the documented examples: valid-looking, so one bad field is the only fault. */
  const exampleBody = (schema: Schema): Record<string, unknown> => {
    const body: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(resolve(schema).properties ?? {})) {
      const p = resolve(property);
      body[name] = exampleOverrides()[name] ?? property.example ?? p.example ?? (p.properties ? exampleBody(p) : undefined);
    }
    return body;
  };

  /** Every field the body holds, nested ones as `tables[0].source`, with its schema. */
  const fields = (schema: Schema, prefix = ''): { path: string[]; name: string; schema: Schema }[] => {
    const out: { path: string[]; name: string; schema: Schema }[] = [];
    for (const [name, property] of Object.entries(resolve(schema).properties ?? {})) {
      const p = { ...resolve(property), ...(property.nullable ? { nullable: true } : {}) };
      const here = prefix ? `${prefix}.${name}` : name;
      out.push({ path: here.split('.'), name, schema: p });
      const items = p.type === 'array' ? resolve(p.items) : undefined;
      if (items?.properties && !prefix) out.push(...fields(items, `${here}.0`));
    }
    return out;
  };

  const setAt = (body: unknown, path: string[], value: unknown): unknown => {
    const copy = structuredClone(body) as Record<string, unknown>;
    let at: Record<string, unknown> = copy;
    path.slice(0, -1).forEach((key, i) => {
      at[key] ??= /^\d+$/.test(path[i + 1]!) ? [{}] : {};
      at = at[key] as Record<string, unknown>;
    });
    at[path[path.length - 1]!] = value;
    return copy;
  };

  function generate(): Case[] {
    const cases: Case[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = operations[method];
        if (!op) continue;
        const key = `${method} ${template}`;
        const invalidOnly = INVALID_ONLY.some((r) => r.test(key)) || Object.values(op.responses).some((r) => r.content?.['text/event-stream']);
        const anonymous = template === '/api/auth/login';
        const params = op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === 'path');
        const fill = (override: Record<string, string> = {}) =>
          template.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? encodeURIComponent(validParam(template, name, method)));
        const base = { method, anonymous };
        const bodySchema = op.requestBody?.content?.['application/json']?.schema;
        const example = bodySchema ? exampleBody(bodySchema) : undefined;
        // What a 4xx to the documented example already names (its host does not resolve, its name is taken…).
        const named = [...(baselineNames.get(key) ?? [])];

        for (const param of pathParams) {
          for (const bad of BAD_PATH_VALUES) {
            // A well-formed name that is simply absent is a 404 naming it by its value.
            const value = decodes(bad);
            cases.push({ ...base, label: `${key} ${param.name}=${bad.slice(0, 20)}`, path: fill({ [param.name]: bad }), body: example, names: [param.name], notFound: value });
          }
          if (param.schema?.format === 'uuid' && !invalidOnly) {
            const unknown = '6f1c2a9e-6b0d-4e8f-9a7c-1d2e3f4a5b6c';
            cases.push({ ...base, label: `${key} unknown ${param.name}`, path: fill({ [param.name]: unknown }), body: example, names: [param.name, unknown] });
          }
        }
        const query = exampleQuery(params);
        for (const param of params.filter((p) => p.in === 'query')) {
          for (const bad of BAD_QUERY_VALUES) cases.push({ ...base, label: `${key} ?${param.name}=${String(bad).slice(0, 20)}`, path: fill(), query: { ...query, [param.name]: bad }, body: example, names: [param.name, ...named] });
        }
        if (params.some((p) => p.in === 'query')) {
          cases.push({ ...base, label: `${key} unknown query`, path: fill(), query: { ...query, 'evil\u0000': 'x' }, body: example, names: ['evil', ...named] });
        }
        if (!bodySchema || !example) continue;
        const path = fill();
        // The body as a whole: not JSON, too deep, not an object, unknown fields.
        cases.push(
          { ...base, label: `${key} invalid JSON`, path, raw: '{"a": tru', names: ['body'] },
          { ...base, label: `${key} 100,000 levels`, path, raw: deepText(100_000), names: ['body'] },
          { ...base, label: `${key} over 1 MB`, path, raw: JSON.stringify({ a: 'x'.repeat(1_100_000) }), names: ['body'] },
          // The other parsers Nest mounts: a form body (qs, nested keys) and text it does not parse.
          { ...base, label: `${key} form NUL`, path, raw: `${Object.keys(example)[0]}=a%00b`, contentType: 'application/x-www-form-urlencoded', names: ['body', ...Object.keys(example)] },
          { ...base, label: `${key} form 40 levels`, path, raw: `a${'[b]'.repeat(40)}=1`, contentType: 'application/x-www-form-urlencoded', names: ['body', ...Object.keys(example)] },
          { ...base, label: `${key} text body`, path, raw: 'hello', contentType: 'text/plain', names: ['body', ...Object.keys(example)] },
          { ...base, label: `${key} array body`, path, body: [example], names: ['body', ...Object.keys(resolve(bodySchema).properties ?? {})] },
          { ...base, label: `${key} unknown field`, path, body: { ...example, sneaky: 1 }, names: ['sneaky', ...named] },
          { ...base, label: `${key} NUL key`, path, body: { ...example, 'a\u0000': 1 }, names: ['a\\u0000'] },
        );
        for (const field of fields(bodySchema)) {
          const name = field.path.filter((p) => !/^\d+$/.test(p));
          // A PATCH sends the one field (with the example around a nested one); others the whole example.
          const at = method === 'patch' ? { [field.path[0]!]: example[field.path[0]!] } : example;
          for (const bad of badValues(field.schema)) {
            if (bad.label === 'null' && field.schema.nullable) continue;
            // A route that would start work gets only values no field may hold.
            if (invalidOnly && !NEVER_VALID.has(bad.label)) continue;
            const label = `${key} ${field.path.join('.')}=${bad.label}`;
            cases.push({ ...base, label, path, body: setAt(at, field.path, bad.value), names: [name[name.length - 1]!, ...named, ...(bad.label === 'huge string' ? ['body'] : [])] });
          }
        }
      }
    }
    // Deterministic sample when the document grows past the bound.
    const random = seeded(9);
    while (cases.length > MAX_CASES) cases.splice(Math.floor(random() * cases.length), 1);
    return cases;
  }

  const baselineNames = new Map<string, string[]>();

  /** Sends each documented example once (routes that would start work excepted) and keeps the fields its 4xx names. */
  async function baselines(): Promise<void> {
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const op = operations[method];
        const schema = op?.requestBody?.content?.['application/json']?.schema;
        const key = `${method} ${template}`;
        if (!schema || INVALID_ONLY.some((r) => r.test(key))) continue;
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(validParam(template, name, method)));
        const res = await send({ label: key, method, path, body: exampleBody(schema), names: [], anonymous: template === '/api/auth/login' });
        expect(res.status).toBeLessThan(500);
        const details = (res.body?.details ?? []) as { field?: string }[];
        const properties = Object.keys(resolve(schema).properties ?? {});
        const message = String(res.body?.message ?? '');
        if (res.status >= 400) baselineNames.set(key, [...details.map((d) => d.field ?? ''), ...properties.filter((p) => message.includes(p))].filter(Boolean));
      }
    }
  }

  async function send(c: Case): Promise<request.Response> {
    let req = request(api.http)[c.method as 'get'](c.path).timeout(15_000);
    if (!c.anonymous) req = req.set(auth());
    if (c.query) req = req.query(c.query);
    if (c.raw !== undefined) return req.set('Content-Type', c.contentType ?? 'application/json').send(c.raw);
    if (c.body !== undefined) return req.send(c.body as object);
    return req;
  }

  const explain = (c: Case, res: request.Response) => `${c.label}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;

  /** Names a 4xx must carry: the field or parameter, in message or details. */
  const namesOne = (res: request.Response, names: string[]) => {
    const details = Array.isArray(res.body?.details) ? (res.body.details as { field?: unknown; message?: unknown }[]) : [];
    const text = [res.body?.message, ...details.flatMap((d) => [d.field, d.message])].map(String).join('\n');
    return names.some((n) => text.includes(n));
  };

  /** POST /api/events/:source, authenticated by its HMAC signature instead of a bearer token. */
  const SIGNED_INGRESS = /^post \/api\/events\/(?!redrive\b)[^/?]+/;

  it('answers every generated bad input with a 4xx naming the field, never a 5xx', async () => {
    await baselines();
    const cases = generate();
    expect(cases.length).toBeGreaterThan(500);
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        let res: request.Response;
        try {
          res = await send(c);
        } catch (error) {
          failures.push(`${c.label}: ${(error as Error).message}`);
          continue;
        }
        if (res.status >= 500) failures.push(explain(c, res));
        // The signed ingress refuses an unsigned delivery (all of these are) with a 401 naming the signature header, before it reads the body.
        else if (res.status === 401 && SIGNED_INGRESS.test(`${c.method} ${c.path}`) && namesOne(res, ['X-Dbferry-'])) continue;
        else if (res.status >= 400 && !namesOne(res, [...c.names, ...(res.status === 404 && c.notFound ? [c.notFound] : [])])) failures.push(`${explain(c, res)} (names none of ${c.names.join(', ')})`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failures).toEqual([]);
    // The API still answers after it all.
    await request(api.http).get('/health').expect(200);
  }, 120_000);

  describe('the inputs issue 9 found answering 500', () => {
    const expectNamed = (res: request.Response, status: number, field: string) => {
      expect({ status: res.status, message: res.body.message }).toEqual({ status, message: expect.stringContaining(field) });
      if (status === 400) expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.stringContaining(field) })]));
    };

    it('refuses NUL in any stored string, jsonb values and keys included', async () => {
      expectNamed(await request(api.http).post('/api/auth/login').send({ username: 'adm\u0000in', password: 'x' }), 400, 'username');
      const patchConnection = (body: object) => request(api.http).patch(`/api/connections/${ids['pgVictim']}`).set(auth()).send(body);
      expectNamed(await patchConnection({ options: { note: 'a\u0000b' } }), 400, 'options.note');
      const patchJob = (body: object) => request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send(body);
      expectNamed(await patchJob({ tables: [{ source: 'public.it\u0000ems' }] }), 400, 'tables[0].source');
      expectNamed(await patchJob({ tables: [{ source: 'public.items', types: { 'no\u0000te': 'text' } }] }), 400, 'tables[0].types.no\\u0000te');
    });

    it('refuses lone surrogates before a password is sealed or an address validated', async () => {
      expectNamed(await request(api.http).patch(`/api/connections/${ids['pgVictim']}`).set(auth()).send({ password: 'pass\ud800word' }), 400, 'password');
      const alerts = { host: 'smtp.example.com', port: 587, secure: false, from: 'a\ud800@example.com', recipients: ['ops@example.com'], enabled: false };
      expectNamed(await request(api.http).put('/api/alerts/settings').set(auth()).send(alerts), 400, 'from');
      expectNamed(await request(api.http).put('/api/alerts/settings').set(auth()).send({ ...alerts, from: 'a@example.com', recipients: ['\udc00@example.com'] }), 400, 'recipients[0]');
    });

    it('refuses a 100,000-level body before it is transformed, on login too', async () => {
      for (const path of ['/api/auth/login', '/api/jobs']) {
        const res = await request(api.http).post(path).set(auth()).set('Content-Type', 'application/json').send(deepText(100_000));
        expectNamed(res, 400, 'body.a');
      }
      const broken = await request(api.http).post('/api/auth/login').set('Content-Type', 'application/json').send('{"username": tru');
      expectNamed(broken, 400, 'body');
      expect(broken.body.message).toMatch(/^body: invalid JSON at position \d+$/);
    });

    it('bounds offset and limit', async () => {
      expectNamed(await request(api.http).get('/api/jobs?offset=99999999999999999999').set(auth()), 400, 'offset');
      expectNamed(await request(api.http).get('/api/jobs?limit=99999999999999999999').set(auth()), 400, 'limit');
      expect((await request(api.http).get('/api/jobs?offset=1000000000').set(auth()).expect(200)).body.items).toEqual([]);
    });

    it('refuses null for a field that cannot be cleared, and clears one that can', async () => {
      for (const field of ['name', 'mode', 'tables', 'batchSize', 'sourceId']) {
        expectNamed(await request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send({ [field]: null }), 400, field);
      }
      expectNamed(await request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send({ tables: [{ source: 'public.items', target: null }] }), 400, 'tables[0].target');
      expectNamed(await request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send({ scheduleTz: '' }), 400, 'scheduleTz');
      await request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send({ schedule: '*/5 * * * *', scheduleTz: null }).expect(200);
      const cleared = await request(api.http).patch(`/api/jobs/${ids['jobVictim']}`).set(auth()).send({ schedule: null }).expect(200);
      expect(cleared.body.schedule).toBeNull();
    });

    it('answers 404 for a table name MariaDB cannot hold', async () => {
      const res = await request(api.http).get(`/api/connections/${ids['my']}/tables/${encodeURIComponent('☃')}/${encodeURIComponent('😀')}`).set(auth());
      expect(res.status).toBe(404);
      expect((await request(api.http).get(`/api/connections/${ids['my']}/tables?schema=${encodeURIComponent('😀')}`).set(auth()).expect(200)).body).toEqual({ items: [], total: 0 });
      // A name it can hold is still looked up.
      await request(api.http).get(`/api/connections/${ids['my']}/tables/${my.name}/items`).set(auth()).expect(200);
    });

    it('answers 401 to a validly signed token whose sub is not a UUID', async () => {
      const forged = jwt.sign({ sub: 'not-a-uuid', role: 'admin', ver: 0 }, api.env['JWT_SECRET']!, { algorithm: 'HS256', expiresIn: 600 });
      await request(api.http).get('/api/jobs').set('Authorization', `Bearer ${forged}`).expect(401);
    });

    it('names the parameter of a bad id or bad percent-encoding', async () => {
      expectNamed(await request(api.http).get('/api/jobs/not-a-uuid').set(auth()), 400, 'id');
      expectNamed(await request(api.http).get('/api/jobs/%E0%A4%A').set(auth()), 400, 'id');
      expectNamed(await request(api.http).get(`/api/connections/${ids['pg']}/tables/public/%ED%A0%80`).set(auth()), 400, 'table');
    });
  });
});
