import { formFrom, parseRecipients, toBody } from './alerts-form';

const valid = () => ({ ...formFrom(undefined), host: 'smtp.example.com', from: 'dbferry@example.com', recipients: 'ops@example.com' });

describe('alert settings form', () => {
  it('builds the PUT body, keeping the stored password when none is typed', () => {
    const { body, errors } = toBody({ ...valid(), port: ' 465 ', secure: true, username: ' alerts ', recipients: 'ops@example.com, dba@example.com\nlead@example.com' });
    expect(errors).toEqual({});
    expect(body).toEqual({
      host: 'smtp.example.com',
      port: 465,
      secure: true,
      username: 'alerts',
      from: 'dbferry@example.com',
      recipients: ['ops@example.com', 'dba@example.com', 'lead@example.com'],
      dedupeWindowSeconds: 3600,
      enabled: true,
    });
    expect(body).not.toHaveProperty('password');
  });

  it('sends a typed password, or null to remove the stored one (removal wins)', () => {
    expect(toBody({ ...valid(), password: '<new>' }).body?.password).toBe('<new>');
    expect(toBody({ ...valid(), password: '<new>', clearPassword: true }).body?.password).toBeNull();
    expect(toBody({ ...valid(), username: '  ' }).body?.username).toBeNull();
  });

  it('names each wrong field as the API does', () => {
    const { body, errors } = toBody({ ...valid(), host: 'smtp://mail', port: '70000', from: 'nobody', recipients: 'ops@example.com bad-address', dedupeWindowSeconds: '5' });
    expect(body).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['dedupeWindowSeconds', 'from', 'host', 'port', 'recipients']);
    expect(errors.recipients).toBe('not an email address: bad-address');
    expect(toBody({ ...valid(), host: '' }).errors.host).toBe('host is required');
    expect(toBody({ ...valid(), port: '58.5' }).errors.port).toMatch(/whole number/);
  });

  it('needs a recipient only while alerts are enabled, and at most 50', () => {
    expect(toBody({ ...valid(), recipients: '' }).errors.recipients).toMatch(/at least one/);
    expect(toBody({ ...valid(), recipients: '', enabled: false }).errors).toEqual({});
    const many = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`).join('\n');
    expect(toBody({ ...valid(), recipients: many }).errors.recipients).toBe('at most 50 recipients');
  });

  it('fills the form from the settings without any password', () => {
    const form = formFrom({
      source: 'store', host: 'mail', port: 25, secure: false, username: null, hasPassword: true, from: 'a@b.co', recipients: ['x@y.co', 'z@y.co'],
      dedupeWindowSeconds: 900, enabled: false, updatedAt: null, updatedBy: null,
    });
    expect(form).toMatchObject({ host: 'mail', port: '25', username: '', password: '', recipients: 'x@y.co\nz@y.co', dedupeWindowSeconds: '900', enabled: false });
    expect(parseRecipients(' a@b.co;c@d.co ,, ')).toEqual(['a@b.co', 'c@d.co']);
  });
});
