import { DIALECT_NAMES, type DialectName, type NeutralColumn, type NeutralType } from '@dbferry/dialects-core';
import { orderedKeyKindsFor } from '@dbferry/dialects';
import { keyOrderAgrees } from './key-order';

const key = (type: NeutralType, name = 'id'): NeutralColumn => ({ name, type, nativeType: '', nullable: false });
const planes = Object.fromEntries(DIALECT_NAMES.map((name) => [name, { orderedKeyKinds: orderedKeyKindsFor(name) }])) as { [N in DialectName]: { orderedKeyKinds: ReturnType<typeof orderedKeyKindsFor> } };
type Name = keyof typeof planes;
const agrees = (from: Name, to: Name, type: NeutralType, targetType: NeutralType = type) => keyOrderAgrees(planes[from], planes[to], [key(type)], [key(targetType)]);

describe('keyOrderAgrees: may a chunk replace its key range on the target?', () => {
  it('never for text keys, whatever the dialects (collations differ)', () => {
    for (const from of Object.keys(planes) as Name[]) {
      for (const to of Object.keys(planes) as Name[]) {
        for (const type of [{ kind: 'text' }, { kind: 'string', length: 20 }, { kind: 'char', length: 3 }, { kind: 'enum', values: ['a'] }] as NeutralType[]) {
          expect({ from, to, kind: type.kind, agrees: agrees(from, to, type) }).toEqual({ from, to, kind: type.kind, agrees: false });
        }
      }
    }
  });

  it('never into or out of SQLite for the kinds it keeps as text: uint64, decimal, uuid, dates and timestamps', () => {
    for (const type of [{ kind: 'uint64' }, { kind: 'decimal', precision: 30, scale: 10 }, { kind: 'uuid' }, { kind: 'date' }, { kind: 'timestamp' }, { kind: 'timestamptz' }] as NeutralType[]) {
      expect(agrees('mysql', 'sqlite', type)).toBe(false);
      expect(agrees('postgres', 'sqlite', type)).toBe(false);
      expect(agrees('sqlite', 'postgres', type)).toBe(false);
    }
  });

  it('for integers everywhere, and for uint64 and decimals between servers that store them as numbers', () => {
    for (const from of Object.keys(planes) as Name[]) {
      for (const to of Object.keys(planes) as Name[]) expect(agrees(from, to, { kind: 'int64' })).toBe(true);
    }
    expect(agrees('mysql', 'postgres', { kind: 'uint64' })).toBe(true);
    expect(agrees('postgres', 'mysql', { kind: 'decimal', precision: 12, scale: 2 })).toBe(true);
    expect(agrees('mysql', 'postgres', { kind: 'int32' }, { kind: 'decimal', precision: 20, scale: 0 })).toBe(true);
  });

  it('not for uuid into SQL Server (uniqueidentifier sorts its last bytes first) nor binary into SQL Server or Oracle', () => {
    expect(agrees('postgres', 'mssql', { kind: 'uuid' })).toBe(false);
    expect(agrees('postgres', 'mysql', { kind: 'uuid' })).toBe(true);
    expect(agrees('postgres', 'mssql', { kind: 'binary' })).toBe(false);
    expect(agrees('postgres', 'oracle', { kind: 'binary' })).toBe(false);
    expect(agrees('postgres', 'sqlite', { kind: 'binary' })).toBe(true);
  });

  it('not when the existing target column sorts as another family than the source key (an int key in a text column)', () => {
    expect(agrees('postgres', 'mysql', { kind: 'int64' }, { kind: 'string', length: 20 })).toBe(false);
    expect(agrees('postgres', 'postgres', { kind: 'date' }, { kind: 'timestamp' })).toBe(false);
  });

  it('only when every column of a composite key agrees, and never for a dialect that declares nothing', () => {
    const ints = [key({ kind: 'int32' }, 'a'), key({ kind: 'int32' }, 'b')];
    const mixed = [key({ kind: 'int32' }, 'a'), key({ kind: 'text' }, 'b')];
    expect(keyOrderAgrees(planes.postgres, planes.mysql, ints, ints)).toBe(true);
    expect(keyOrderAgrees(planes.postgres, planes.mysql, mixed, mixed)).toBe(false);
    expect(keyOrderAgrees({}, planes.mysql, ints, ints)).toBe(false);
    expect(keyOrderAgrees(planes.postgres, planes.mysql, [], [])).toBe(false);
  });
});
