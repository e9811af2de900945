import { controlStoreAddress } from './control-store';

describe('controlStoreAddress', () => {
  it.each([
    ['postgres://postgres@127.0.0.1:5432/dbferry', { host: '127.0.0.1', port: 5432, database: 'dbferry' }],
    ['postgresql://u:p%40ss@db.example.com/store', { host: 'db.example.com', port: 5432, database: 'store' }],
    ['postgres://app@[::1]:6432/', { host: '::1', port: 6432, database: 'app' }],
    ['postgres://app@localhost/my%20db?host=/var/run/postgresql', { host: '/var/run/postgresql', port: 5432, database: 'my db' }],
  ])('reads %s as node-postgres would', (url, expected) => {
    expect(controlStoreAddress(url)).toEqual(expected);
  });
});
