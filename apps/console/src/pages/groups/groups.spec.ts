import { ageSeconds, ageText, checkGroupForm, fieldText, groupKeyParam, rowFromFields, splitNames } from './groups';

const columns = [
  { name: 'id', kind: 'int64', nullable: false },
  { name: 'email', kind: 'string', nullable: true },
  { name: 'active', kind: 'bool', nullable: false },
  { name: 'score', kind: 'float64', nullable: true },
  { name: 'raw', kind: 'blob', nullable: true },
];

describe('replica group pages: keys, the row editor and the group form', () => {
  it("writes a one-column key as its value and a composite key as an object by column, 64-bit integers and bytes as the write's text", () => {
    expect(groupKeyParam(['id'], { id: { $int: '9007199254740993' }, email: 'x' })).toBe('9007199254740993');
    expect(groupKeyParam(['name'], { name: 'Ada' })).toBe('Ada');
    expect(groupKeyParam(['id'], { id: 42 })).toBe('42');
    expect(JSON.parse(groupKeyParam(['region', 'seq'], { region: 'eu', seq: { $int: '7' }, other: 1 }))).toEqual({ region: 'eu', seq: '7' });
  });

  it("shows the arbiter's lossless values as editable text: NULL flagged, bytes kept base64, JSON as written", () => {
    expect(fieldText(null)).toEqual({ text: '', isNull: true });
    expect(fieldText({ $int: '12' })).toEqual({ text: '12', isNull: false });
    expect(fieldText({ $bytes: 'AP8=' })).toEqual({ text: 'AP8=', isNull: false });
    expect(fieldText('10.50')).toEqual({ text: '10.50', isNull: false });
    expect(fieldText(true)).toEqual({ text: 'true', isNull: false });
  });

  it("types the fields by the group's column kinds, and names the bad ones as row.<column> before any call", () => {
    const ok = rowFromFields(columns, {
      id: { text: '9007199254740993', isNull: false },
      email: { text: '', isNull: true },
      active: { text: 'TRUE', isNull: false },
      score: { text: '2.5', isNull: false },
      raw: { text: 'AP8=', isNull: false },
    });
    expect(ok).toEqual({ row: { id: '9007199254740993', email: null, active: true, score: 2.5, raw: 'AP8=' } });
    const bad = rowFromFields(columns, { id: { text: '', isNull: true }, active: { text: 'yes', isNull: false }, score: { text: 'abc', isNull: false } });
    expect(bad).toEqual({ errors: { 'row.id': expect.stringContaining('NULL'), 'row.active': expect.any(String), 'row.score': expect.any(String) } });
    expect(rowFromFields(columns, { email: { text: '', isNull: false } })).toEqual({ row: { email: '' } });
  });

  it('says how old the oldest pending task is', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(ageSeconds('2026-01-01T11:59:15Z', now)).toBe(45);
    expect(ageSeconds(null, now)).toBeNull();
    expect(ageText(45)).toBe('45 s');
    expect(ageText(720)).toBe('12 min');
    expect(ageText(12_600)).toBe('3.5 h');
    expect(ageText(172_800)).toBe('2.0 d');
    expect(ageText(null)).toBe('—');
  });

  it("names the group form's fields the API would name", () => {
    expect(checkGroupForm('', [], [{ connectionId: '', table: '' }])).toEqual({
      name: expect.any(String),
      keyColumns: expect.any(String),
      members: expect.any(String),
      'members[0].connectionId': expect.any(String),
      'members[0].table': expect.any(String),
    });
    expect(checkGroupForm('c', ['id'], [{ connectionId: 'a', table: 't' }, { connectionId: 'a', table: 't' }])).toEqual({ 'members[1].connectionId': expect.any(String) });
    expect(checkGroupForm('c', splitNames(' id , '), [{ connectionId: 'a', table: 't' }, { connectionId: 'b', table: 'main.t' }])).toEqual({});
  });
});
