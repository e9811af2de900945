// Defaults for the services every machine of this project runs (see README); a CI or a
// developer may point elsewhere by setting the variables before `npm test`.
process.env.NODE_ENV ??= 'test';
process.env.TEST_PG_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.TEST_MYSQL_URL ??= 'mysql://root@127.0.0.1:3306/mysql';
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
