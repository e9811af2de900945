import { NEUTRAL_TEXT_NULL, NeutralTextCursor, neutralTextField } from './neutral-text-rows';

describe('NEUTRAL_TEXT_ROWS fields', () => {
  it('reads back every length form (1, 3, 4 and 9 header bytes) and NULL, in order', () => {
    const values = ['', 'a', 'é🐘', 'x'.repeat(250), 'y'.repeat(251), 'z'.repeat(65_535), 'w'.repeat(65_536), null, '0'];
    const data = Buffer.concat(values.map((v) => neutralTextField(v)));
    const cursor = new NeutralTextCursor(data);
    const read: (string | null)[] = [];
    while (cursor.at < data.length) {
      const length = cursor.next();
      read.push(length < 0 ? null : data.toString('utf8', cursor.start, cursor.start + length));
    }
    expect(read).toEqual(values);
    // The header sizes: below 0xfb one byte, then 0xfc + 2 and 0xfd + 3.
    expect(neutralTextField('x'.repeat(250))[0]).toBe(250);
    expect(neutralTextField('x'.repeat(251))[0]).toBe(0xfc);
    expect(neutralTextField('x'.repeat(65_536))[0]).toBe(0xfd);
    expect(neutralTextField(null)).toEqual(Buffer.of(NEUTRAL_TEXT_NULL));
  });

  it('reads an 8-byte length (0xfe) and refuses a field running past the data', () => {
    const header = Buffer.from([0xfe, 3, 0, 0, 0, 0, 0, 0, 0]);
    const cursor = new NeutralTextCursor(Buffer.concat([header, Buffer.from('abc')]));
    expect(cursor.next()).toBe(3);
    expect(cursor.start).toBe(9);
    expect(cursor.at).toBe(12);
    const short = new NeutralTextCursor(Buffer.from([5, 0x61, 0x62]));
    expect(() => short.next()).toThrow(/runs past the data's end/);
    const huge = new NeutralTextCursor(Buffer.from([0xfe, 0, 0, 0, 0, 1, 0, 0, 0]));
    expect(() => huge.next()).toThrow(/runs past/);
  });

  it('refuses a header byte no length starts with (0xff)', () => {
    expect(() => new NeutralTextCursor(Buffer.from([0xff, 1])).next()).toThrow(/a field header 0xff at byte 0/);
  });
});
