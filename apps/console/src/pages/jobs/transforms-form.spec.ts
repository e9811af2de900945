import { newTransformRow, rowToTransform, transformToRow, validateTransformRows } from './transforms-form';

const row = (fields: Partial<ReturnType<typeof newTransformRow>>) => ({ ...newTransformRow(), ...fields });

describe('transform rows', () => {
  it.each([
    [{ column: 'id', rename: 'customer_id' }],
    [{ column: 'email', rename: 'email_hash', mask: 'hash' as const }],
    [{ column: 'card', mask: 'last4' as const }],
    [{ column: 'iban', mask: { keepLast: 2 } }],
    [{ column: 'notes', mask: 'null' as const }],
    [{ column: 'secret', exclude: true }],
    [{ column: 'region', set: { value: 'eu' } }],
    [{ column: 'tenant', set: { value: 7 } }],
    [{ column: 'flag', set: { value: true } }],
    [{ column: 'loaded_on', set: { value: '2026-12-05', type: 'date' as const } }],
    [{ column: 'full_name', set: { expr: "first_name || ' ' || last_name" } }],
    [{ column: 'total', rename: 'amount', set: { expr: 'price * qty', type: 'decimal' as const } }],
  ])('round-trips %j through the editor', (transform) => {
    expect(rowToTransform(transformToRow(transform))).toEqual(transform);
  });

  it('drops a rename on an excluded column and trims names', () => {
    expect(rowToTransform(row({ column: ' a ', rename: 'b', action: 'exclude' }))).toEqual({ column: 'a', exclude: true });
  });

  it('names the fields the API would', () => {
    const errors = validateTransformRows(
      [row({ column: 'id', action: 'hash' }), row({ column: 'x' }), row({ column: 'x', action: 'keepLast', arg: 'two' }), row({ column: '' , action: 'null' })],
      'tables[0]',
      ['id'],
    );
    expect(Object.keys(errors).sort()).toEqual(['tables[0].transforms[0].mask', 'tables[0].transforms[1].column', 'tables[0].transforms[2].column', 'tables[0].transforms[2].mask', 'tables[0].transforms[3].column']);
    expect(validateTransformRows([row({ column: 'id', rename: 'key' }), row({ column: 'e', action: 'set', arg: '1' })], 'tables[0]', ['id'])).toEqual({});
    expect(validateTransformRows([row({ column: 'e', action: 'expr', arg: ' ' })], 'tables[0]', [])).toEqual({ 'tables[0].transforms[0].set.expr': expect.stringContaining('expression') });
  });
});
