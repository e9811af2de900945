import { describeCron } from './cron-text';

describe('describeCron', () => {
  it.each([
    ['0 2 * * *', 'At 02:00'],
    ['@daily', 'At 00:00'],
    ['@hourly', 'At minute 0 past every hour'],
    ['*/15 * * * *', 'Every 15 minutes'],
    ['* * * * *', 'Every minute'],
    ['5 * * * *', 'At minute 5 past every hour'],
    ['0,30 * * * *', 'At minutes 0 and 30 past every hour'],
    ['0 */2 * * *', 'At minute 0 past every 2 hours'],
    ['0 9-17 * * *', 'At minute 0 past hours 09 through 17'],
    ['*/10 9-17 * * 1-5', 'Every 10 minutes during hours 09 through 17, on Monday through Friday'],
    ['30 6 * * 1-5', 'At 06:30, on Monday through Friday'],
    ['0 9,17 * * MON,WED', 'At 09:00 and 17:00, on Monday and Wednesday'],
    ['0 0 1 * *', 'At 00:00, on day 1 of the month'],
    ['0 0 1,15 * *', 'At 00:00, on days 1 and 15 of the month'],
    ['0 0 L * *', 'At 00:00, on the last day of the month'],
    ['0 8 * * 5#2', 'At 08:00, on the second Friday of the month'],
    ['0 8 * * 5L', 'At 08:00, on the last Friday of the month'],
    ['0 0 1 1 *', 'At 00:00, on day 1 of the month, in January'],
    ['0 0 * JAN-MAR *', 'At 00:00, in January through March'],
    ['0 0 * * 0-6', 'At 00:00'],
    ['0 0 * * 7', 'At 00:00, on Sunday'],
    ['0 0 1 * 1', 'At 00:00, on day 1 of the month or on Monday'],
    ['30 0 2 * * *', 'At 02:00, at second 30'],
    ['0 0 2 * * *', 'At 02:00'],
    ['*/5 * * * * *', 'Every minute, every 5 seconds'],
    ['  0   2 * * *  ', 'At 02:00'],
  ])('%s reads "%s"', (cron, text) => {
    expect(describeCron(cron)).toBe(text);
  });

  it.each(['', 'every day', '0 2 * *', '61 * * * *', '0 25 * * *', '0 0 * * FUNDAY', '0 0 32 * *', '5-1 * * * *', '*/0 * * * *', '1 2 3 4 5 6 7'])(
    'says nothing of %j rather than guess',
    (cron) => {
      expect(describeCron(cron)).toBeNull();
    },
  );
});
