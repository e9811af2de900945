import { readFileSync } from 'node:fs';
import { LOSS_KINDS, NEUTRAL_TYPE_SAMPLES, widenUnsigned } from '@dbferry/dialects-core';
import { mysqlTypeMapper } from '@dbferry/dialect-mysql';
import { postgresTypeMapper } from '@dbferry/dialect-postgres';
import { generateTypeMatrix, TYPE_MAPPERS, TYPE_MATRIX_PATH } from './gen-type-matrix';

describe('docs/type-mapping.md', () => {
  it('is what tools/gen-type-matrix.ts generates (run it after changing a mapper)', () => {
    expect(readFileSync(TYPE_MATRIX_PATH, 'utf8')).toBe(generateTypeMatrix());
  });

  it('explains every LossNote kind the mappers can return', () => {
    const doc = generateTypeMatrix();
    for (const kind of Object.keys(LOSS_KINDS)) expect(doc).toContain(`| \`${kind}\` |`);
    for (const mapper of TYPE_MAPPERS) {
      for (const type of NEUTRAL_TYPE_SAMPLES) {
        const { lossy } = mapper.fromNeutral(type);
        if (lossy) expect(Object.keys(LOSS_KINDS)).toContain(lossy.kind);
      }
    }
  });
});

describe("MySQL → PostgreSQL follows pgloader's casting rules", () => {
  const toPg = (mysqlType: string) => {
    const { type } = mysqlTypeMapper.toNeutral(mysqlTypeMapper.parseNativeType(mysqlType));
    return postgresTypeMapper.fromNeutral(type);
  };

  it.each([
    ['tinyint(1)', 'boolean'],
    ['bit(1)', 'boolean'],
    ['tinyint unsigned', 'smallint'],
    ['smallint unsigned', 'integer'],
    ['mediumint', 'integer'],
    ['int unsigned', 'bigint'],
    ['bigint unsigned', 'numeric(20,0)'],
    ['year', 'smallint'],
    ["set('a','b')", 'text[]'],
    ['longblob', 'bytea'],
    ['json', 'jsonb'],
    ['datetime(3)', 'timestamp(3)'],
    ['timestamp(6)', 'timestamptz(6)'],
  ])('%s → %s', (mysqlType, pgType) => {
    expect(toPg(mysqlType).native).toBe(pgType);
  });

  it('keeps an enum as checked text', () => {
    const result = toPg("enum('s','m')");
    expect(result.native).toBe('text');
    expect(result.check?.('"size"')).toBe(`"size" IN ('s', 'm')`);
  });

  it('widens unsigned kinds exactly as widenUnsigned does', () => {
    for (const kind of ['uint8', 'uint16', 'uint32', 'uint64'] as const) {
      expect(postgresTypeMapper.fromNeutral({ kind }).native).toBe(postgresTypeMapper.fromNeutral(widenUnsigned({ kind })).native);
    }
  });
});

describe('PostgreSQL → SQLite → PostgreSQL', () => {
  it.each(postgresTypeMapper.representativeTypes.map((t) => [typeof t === 'string' ? t : t.label, t] as const))(
    '%s comes back as the same column type',
    (_label, entry) => {
      const info = typeof entry === 'string' ? postgresTypeMapper.parseNativeType(entry) : entry.info;
      const first = postgresTypeMapper.fromNeutral(postgresTypeMapper.toNeutral(info).type);
      const lite = TYPE_MAPPERS.find((m) => m.dialect === 'sqlite');
      if (!lite) throw new Error('sqlite mapper missing');
      const { type } = postgresTypeMapper.toNeutral(info);
      const declared = lite.fromNeutral(type);
      const back = lite.parseNativeType(declared.native);
      if (type.kind === 'enum') back.enumValues = type.values;
      expect(postgresTypeMapper.fromNeutral(lite.toNeutral(back).type).native).toBe(first.native);
    },
  );
});
