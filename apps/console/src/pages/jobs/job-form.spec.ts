import { emptyEntry, emptyJobForm, formatTableRef, formToBody, type JobForm, jobToForm, type JobView, parseTableRef, validateJobForm } from './job-form';

const valid = (overrides: Partial<JobForm> = {}): JobForm => ({
  ...emptyJobForm(),
  name: 'orders',
  sourceId: 'src',
  targetId: 'dst',
  tables: [emptyEntry('public.orders')],
  ...overrides,
});
const entry = (source: string, fields: Partial<ReturnType<typeof emptyEntry>> = {}) => ({ ...emptyEntry(source), ...fields });

describe('validateJobForm', () => {
  it('accepts a complete form', () => {
    expect(validateJobForm(valid())).toEqual({});
    expect(validateJobForm(valid({ schedule: '*/15 * * * *', scheduleTz: 'Europe/Paris' }))).toEqual({});
    expect(validateJobForm(valid({ schedule: '0 0 2 * * *' }))).toEqual({});
    expect(validateJobForm(valid({ schedule: '@daily' }))).toEqual({});
  });

  it('names each missing field as the API would', () => {
    expect(Object.keys(validateJobForm({ ...emptyJobForm() })).sort()).toEqual(['name', 'sourceId', 'tables', 'targetId']);
    expect(validateJobForm(valid({ name: '' }), { requireName: false })).toEqual({});
    expect(validateJobForm(valid({ name: 'x'.repeat(101) })).name).toMatch(/100/);
  });

  it.each([
    ['0', 'batchSize'],
    ['100001', 'batchSize'],
    ['1.5', 'batchSize'],
    ['', 'batchSize'],
  ])('refuses batchSize %j', (value, field) => {
    expect(validateJobForm(valid({ batchSize: value }))).toHaveProperty(field);
  });

  it('bounds chunkRows like the API (100 to 100000000)', () => {
    expect(validateJobForm(valid({ chunkRows: '99' }))).toHaveProperty('chunkRows');
    expect(validateJobForm(valid({ chunkRows: '100' }))).toEqual({});
    expect(validateJobForm(valid({ chunkRows: '100000001' }))).toHaveProperty('chunkRows');
  });

  it('wants 5 or 6 cron fields, and a schedule for a time zone', () => {
    expect(validateJobForm(valid({ schedule: 'every day' })).schedule).toMatch(/5 fields/);
    expect(validateJobForm(valid({ schedule: '0 2 * *' })).schedule).toBeDefined();
    expect(validateJobForm(valid({ schedule: '1 2 3 4 5 6 7' })).schedule).toBeDefined();
    expect(validateJobForm(valid({ scheduleTz: 'UTC' })).scheduleTz).toMatch(/schedule/);
  });

  it('wants upsert and an incremental column per table in incremental mode', () => {
    const errors = validateJobForm(valid({ mode: 'incremental', writeMode: 'insert' }));
    expect(errors.writeMode).toMatch(/upsert/);
    expect(errors['tables[0].incrementalColumn']).toBeDefined();
    expect(validateJobForm(valid({ mode: 'incremental', tables: [entry('public.orders', { incrementalColumn: 'updated_at' })] }))).toEqual({});
    // A pattern takes each table's own column from the run: not asked here.
    expect(validateJobForm(valid({ mode: 'incremental', tables: [entry('public.*')] }))).toEqual({});
  });

  it('checks table references, pattern targets and filters on patterns', () => {
    const errors = validateJobForm(
      valid({
        tables: [
          entry('orders'),
          entry('sales.*', { target: 'public.orders' }),
          entry('sales.orders', { target: 'public.*' }),
          entry('sales.o?', { where: 'id > 1' }),
          entry('sales.items', { target: 'a.b.c' }),
        ],
      }),
    );
    expect(errors['tables[0].source']).toMatch(/schema\.table/);
    expect(errors['tables[1].target']).toMatch(/schema\.\*/);
    expect(errors['tables[2].target']).toMatch(/pattern target/);
    expect(errors['tables[3].where']).toMatch(/pattern/);
    expect(errors['tables[4].target']).toBeDefined();
  });

  it('refuses the same source twice', () => {
    expect(validateJobForm(valid({ tables: [entry('public.orders'), entry('public.orders')] }))['tables[1].source']).toMatch(/table 1/);
  });

  it('wants a column subset to hold the key and incremental columns', () => {
    const errors = validateJobForm(valid({ mode: 'incremental', tables: [entry('public.orders', { columns: ['status'], keyColumns: ['id'], incrementalColumn: 'updated_at' })] }));
    expect(errors['tables[0].columns']).toBe('The copied columns must include id, updated_at (key and incremental columns).');
  });
});

describe('table references', () => {
  it('reads quoted names and patterns as the API does', () => {
    expect(parseTableRef('sales.orders')).toEqual({ schema: 'sales', name: 'orders', pattern: false });
    expect(parseTableRef('sales.*')).toEqual({ schema: 'sales', name: '*', pattern: true });
    expect(parseTableRef('"my.schema"."a*b"')).toEqual({ schema: 'my.schema', name: 'a*b', pattern: false });
    expect(parseTableRef('"we""ird".t')).toEqual({ schema: 'we"ird', name: 't', pattern: false });
    expect(parseTableRef('*.orders')).toBeNull();
    expect(parseTableRef('a.b.c')).toBeNull();
    expect(parseTableRef('"open.t')).toBeNull();
  });

  it('formats a picked table so it reads back the same', () => {
    for (const [schema, name] of [['public', 'orders'], ['my.schema', 't'], ['s', 'a*b'], ['we"ird', 'x y']]) {
      expect(parseTableRef(formatTableRef(schema, name))).toEqual({ schema, name, pattern: false });
    }
    expect(formatTableRef('public', 'orders')).toBe('public.orders');
  });
});

describe('formToBody and jobToForm', () => {
  it('sends only what is set, trims text, and sends a cleared schedule as null', () => {
    const body = formToBody(
      valid({
        name: ' orders ',
        tables: [entry('public.orders', { target: ' shop.orders ', where: " status = 'paid' ", keyColumns: ['id'] }), entry('sales.*', { where: 'ignored' })],
        schedule: ' ',
        scheduleTz: 'Europe/Paris',
      }),
    );
    expect(body).toMatchObject({ name: 'orders', batchSize: 5000, chunkRows: 200000, schedule: null, scheduleTz: null });
    expect(body.tables).toEqual([{ source: 'public.orders', target: 'shop.orders', where: "status = 'paid'", keyColumns: ['id'] }, { source: 'sales.*' }]);
  });

  it('round-trips a saved job, its column types kept', () => {
    const job = {
      id: 'j', name: 'n', sourceId: 's', targetId: 't', mode: 'incremental', writeMode: 'upsert', createTables: false, evolveSchema: true, deleteMissing: true,
      schedule: '0 2 * * *', scheduleTz: 'Europe/Paris', enabled: false, batchSize: 100, chunkRows: 1000, maxRejects: 0, nul: 'strip', lookbackSeconds: 0,
      verify: true, createdAt: '', updatedAt: '', lastRun: null, nextRunAt: null,
      tables: [{ source: 'public.orders', incrementalColumn: 'updated_at', columns: ['id', 'updated_at'], types: { id: 'bigint' } }],
    } as JobView;
    const body = formToBody(jobToForm(job));
    expect(body).toMatchObject({ name: 'n', mode: 'incremental', createTables: false, deleteMissing: true, verify: true, enabled: false, batchSize: 100, chunkRows: 1000, schedule: '0 2 * * *', scheduleTz: 'Europe/Paris' });
    expect(body.tables).toEqual(job.tables);
  });
});
