import request from 'supertest';
import { ApiHarness, startApi } from './harness';

/** The parts of an OpenAPI 3 schema these checks read. */
interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  example?: unknown;
  writeOnly?: boolean;
}
interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** A property by this name holds a secret: it may only be written, and its example is a placeholder. */
const isSecretName = (name: string) => /(password|secret)$/i.test(name) && !/^(has|must[A-Z][a-z]*)[A-Z]/.test(name);
const PLACEHOLDER = /<[a-z0-9+-]+>/;

const refName = (ref: string) => ref.replace('#/components/schemas/', '');

/**
 * Every property of a schema (and of the schemas it nests inline) has an example, unless it
 * only points at a named schema: that one is checked on its own. Problems come back as paths.
 */
function schemaProblems(doc: OpenApi, where: string, schema: Schema | undefined): string[] {
  if (!schema) return [`${where}: no schema`];
  if (schema.$ref) return doc.components.schemas[refName(schema.$ref)] ? [] : [`${where}: dangling ${schema.$ref}`];
  const problems: string[] = [];
  for (const [i, part] of [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])].entries()) {
    problems.push(...schemaProblems(doc, `${where}[${i}]`, part));
  }
  if (schema.type === 'array' && schema.items && schema.example === undefined) problems.push(...schemaProblems(doc, `${where}[]`, schema.items));
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const path = `${where}.${name}`;
    if (isSecretName(name) && !property.writeOnly) problems.push(`${path}: a secret not marked writeOnly`);
    if (property.writeOnly && !PLACEHOLDER.test(JSON.stringify(property.example ?? ''))) {
      problems.push(`${path}: a write-only field whose example is not a <placeholder>`);
    }
    if (property.example !== undefined) continue;
    const pointsAtSchema = property.$ref || property.allOf || property.oneOf || property.anyOf || (property.type === 'array' && property.items?.$ref);
    if (pointsAtSchema) problems.push(...schemaProblems(doc, path, property));
    else problems.push(`${path}: no example`);
  }
  return problems;
}

describe('OpenAPI document (e2e)', () => {
  let api: ApiHarness;
  let doc: OpenApi;
  beforeAll(async () => {
    api = await startApi();
    doc = (await request(api.http).get('/docs-json').expect(200).expect('Content-Type', /json/)).body as OpenApi;
  });
  afterAll(() => api.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );

  it('gives every property of every schema an example, secrets write-only with a placeholder', () => {
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(10);
    const problems = Object.entries(doc.components.schemas).flatMap(([name, schema]) => {
      if (schema.enum) return schema.example === undefined ? [`${name}: no example`] : [];
      if (!schema.properties && schema.example === undefined) return [`${name}: neither properties nor an example`];
      return schemaProblems(doc, name, schema);
    });
    expect(problems).toEqual([]);
  });

  it('gives every parameter and every inline body an example', () => {
    const problems = operations().flatMap(({ name, op }) => [
      ...(op.parameters ?? [])
        .filter((p) => p.example === undefined && p.schema?.example === undefined)
        .map((p) => `${name} ${p.in} parameter ${p.name}: no example`),
      ...Object.entries(op.requestBody?.content ?? {}).flatMap(([type, media]) => schemaProblems(doc, `${name} body ${type}`, media.schema)),
      ...Object.entries(op.responses).flatMap(([status, response]) =>
        Object.entries(response.content ?? {}).flatMap(([type, media]) => schemaProblems(doc, `${name} ${status} ${type}`, media.schema)),
      ),
    ]);
    expect(problems).toEqual([]);
  });

  it('declares a success response for every operation: a body schema, or 204 without one', () => {
    const problems = operations().flatMap(({ name, op }) => {
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) return [`${name}: no 2xx response`];
      return success.flatMap(([status, response]) => {
        const media = Object.entries(response.content ?? {});
        if (status === '204') return media.length ? [`${name}: 204 with a body`] : [];
        if (media.length === 0) return [`${name}: ${status} without a body schema`];
        return media.filter(([, m]) => !m.schema).map(([type]) => `${name}: ${status} ${type} without a schema`);
      });
    });
    expect(problems).toEqual([]);
  });

  it('documents routes in the shape they answer', () => {
    const ok = (path: string) => doc.paths[path].get.responses['200'].content?.['application/json']?.schema;
    const page = (item: string) => ({
      type: 'object',
      properties: { items: { type: 'array', items: { $ref: `#/components/schemas/${item}` } }, total: expect.objectContaining({ type: 'integer' }) },
    });
    expect(ok('/api/connections/status')).toMatchObject(page('ConnectionStatusView'));
    expect(ok('/api/connections')).toMatchObject(page('ConnectionView'));
    expect(ok('/api/users')).toMatchObject(page('UserDetailView'));
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty(['text/plain']);
    expect(doc.components.schemas.UpdateConnectionDto.properties?.password).toMatchObject({ writeOnly: true, example: '<password>' });
  });

  it('serves what it documents for GET /api/connections/status', async () => {
    const token = await api.adminToken();
    const res = await request(api.http).get('/api/connections/status').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body).toEqual({ items: [], total: 0 });
  });
});
