import { resolveAlertDelivery, type SavedAlertSettings } from './alert-settings';

const saved: SavedAlertSettings = {
  host: 'smtp.example.com',
  port: 587,
  secure: false,
  username: 'ferry',
  password: 'pw',
  from: 'dbferry@example.com',
  recipients: ['ops@example.com'],
  dedupeWindowSeconds: 900,
  enabled: false,
};

describe('resolveAlertDelivery', () => {
  it('prefers saved settings over the env, window and enabled flag included', () => {
    expect(resolveAlertDelivery(saved, { smtpUrl: 'smtp://other:25', recipients: ['env@example.com'] })).toEqual({
      source: 'store',
      smtp: { host: 'smtp.example.com', port: 587, secure: false, username: 'ferry', password: 'pw', from: 'dbferry@example.com' },
      recipients: ['ops@example.com'],
      enabled: false,
      windowMs: 900_000,
    });
  });

  it('falls back to SMTP_URL and ALERT_EMAILS, with the sender from the URL or the host name', () => {
    expect(resolveAlertDelivery(null, { smtpUrl: 'smtp://u:p@mail:25?from=a%40example.com', recipients: ['ops@example.com'] }, 'box')).toEqual({
      source: 'env',
      smtp: { url: 'smtp://u:p@mail:25?from=a%40example.com', from: 'a@example.com' },
      recipients: ['ops@example.com'],
      enabled: true,
      windowMs: 3_600_000,
    });
    expect(resolveAlertDelivery(null, { smtpUrl: 'smtp://mail:25', recipients: [] }, 'box')).toMatchObject({ smtp: { from: 'dbferry@box' }, enabled: false });
  });

  it('is null when nothing is configured', () => {
    expect(resolveAlertDelivery(null, { recipients: ['ops@example.com'] })).toBeNull();
  });
});
