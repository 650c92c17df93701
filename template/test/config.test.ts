import test from 'ava';
import { ConfigError, loadConfig } from '../src/config.js';

test('defaults', (t) => {
  t.like(loadConfig({}), {
    port: 8080,
    host: '0.0.0.0',
    metricsPort: undefined,
    httpHeadersTimeoutMs: 10_000,
    httpRequestTimeoutMs: 30_000,
    httpKeepAliveTimeoutMs: 65_000,
    httpMaxConnections: 1000,
    databaseUrl: undefined,
    pgliteDataDir: '.data/pglite',
    dbPoolMax: 10,
    dbConnectTimeoutMs: 1000,
    dbAcquireTimeoutMs: 5000,
    dbStatementTimeoutMs: 10_000,
    migrateOnStart: true,
    logLevel: 'info',
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 10_000,
    healthTimeoutMs: 800,
    healthCacheMs: 1000,
    healthIntervalMs: 0,
    releaseId: undefined,
  });
});

test('valid overrides', (t) => {
  const config = loadConfig({
    PORT: '3000',
    HOST: ' 127.0.0.1 ',
    METRICS_PORT: '9464',
    HTTP_HEADERS_TIMEOUT_MS: '5000',
    HTTP_REQUEST_TIMEOUT_MS: '5000',
    HTTP_KEEP_ALIVE_TIMEOUT_MS: '610000',
    HTTP_MAX_CONNECTIONS: '50',
    DATABASE_URL: 'postgresql://app:pw@db:5432/app',
    PGLITE_DATA_DIR: 'memory://',
    DB_POOL_MAX: '4',
    DB_CONNECT_TIMEOUT_MS: '3000',
    DB_ACQUIRE_TIMEOUT_MS: '2000',
    DB_STATEMENT_TIMEOUT_MS: '0',
    MIGRATE_ON_START: 'FALSE',
    LOG_LEVEL: 'debug',
    SHUTDOWN_DELAY_MS: '5000',
    SHUTDOWN_TIMEOUT_MS: '30000',
    HEALTH_TIMEOUT_MS: '250',
    HEALTH_CACHE_MS: '0',
    HEALTH_INTERVAL_MS: '15000',
    RELEASE_ID: ' 1c52247d0e ',
  });
  t.deepEqual(
    { ...config },
    {
      port: 3000,
      host: '127.0.0.1',
      metricsPort: 9464,
      httpHeadersTimeoutMs: 5000,
      httpRequestTimeoutMs: 5000,
      httpKeepAliveTimeoutMs: 610_000,
      httpMaxConnections: 50,
      databaseUrl: 'postgresql://app:pw@db:5432/app',
      pgliteDataDir: 'memory://',
      dbPoolMax: 4,
      dbConnectTimeoutMs: 3000,
      dbAcquireTimeoutMs: 2000,
      dbStatementTimeoutMs: 0,
      migrateOnStart: false,
      logLevel: 'debug',
      shutdownDelayMs: 5000,
      shutdownTimeoutMs: 30_000,
      healthTimeoutMs: 250,
      healthCacheMs: 0,
      healthIntervalMs: 15_000,
      releaseId: '1c52247d0e',
    },
  );
});

test('MIGRATE_ON_START accepts 1 and 0', (t) => {
  t.true(loadConfig({ MIGRATE_ON_START: '1' }).migrateOnStart);
  t.false(loadConfig({ MIGRATE_ON_START: '0' }).migrateOnStart);
});

test('an empty RELEASE_ID means none', (t) => {
  t.is(loadConfig({ RELEASE_ID: '' }).releaseId, undefined);
});

test('HEALTH_INTERVAL_MS is 0 (off) or from 1000 to 600000', (t) => {
  t.is(loadConfig({ HEALTH_INTERVAL_MS: '0' }).healthIntervalMs, 0);
  t.is(loadConfig({ HEALTH_INTERVAL_MS: '1000' }).healthIntervalMs, 1000);
  t.is(loadConfig({ HEALTH_INTERVAL_MS: ' 600000 ' }).healthIntervalMs, 600_000);
  t.throws(() => loadConfig({ HEALTH_INTERVAL_MS: '999' }), {
    message: 'Invalid configuration: HEALTH_INTERVAL_MS must be 0 (off) or an integer from 1000 to 600000 (got "999")',
  });
});

test('an empty METRICS_PORT means no metrics port', (t) => {
  t.is(loadConfig({ METRICS_PORT: '' }).metricsPort, undefined);
});

const invalid = test.macro({
  exec(t, env: Record<string, string>, variable: string) {
    const error = t.throws(() => loadConfig(env), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', /^Invalid configuration: /);
    t.false(error?.message.includes('\n'), 'message is one line');
    t.true(error?.message.includes(variable), `message names ${variable}: ${error?.message}`);
  },
  title: (_ = '', env: Record<string, string>) =>
    `rejects ${Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
});

test(invalid, { PORT: 'abc' }, 'PORT');
test(invalid, { PORT: '0' }, 'PORT');
test(invalid, { PORT: '70000' }, 'PORT');
test(invalid, { HEALTH_TIMEOUT_MS: '-1' }, 'HEALTH_TIMEOUT_MS');
test(invalid, { DB_CONNECT_TIMEOUT_MS: '0' }, 'DB_CONNECT_TIMEOUT_MS');
test(invalid, { HTTP_HEADERS_TIMEOUT_MS: '0' }, 'HTTP_HEADERS_TIMEOUT_MS');
test(invalid, { HTTP_KEEP_ALIVE_TIMEOUT_MS: 'never' }, 'HTTP_KEEP_ALIVE_TIMEOUT_MS');
test(invalid, { HTTP_MAX_CONNECTIONS: '0' }, 'HTTP_MAX_CONNECTIONS');
test(invalid, { HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }, 'HTTP_REQUEST_TIMEOUT_MS');
test(invalid, { DB_ACQUIRE_TIMEOUT_MS: '1s' }, 'DB_ACQUIRE_TIMEOUT_MS');
test(invalid, { DB_STATEMENT_TIMEOUT_MS: '-5' }, 'DB_STATEMENT_TIMEOUT_MS');
test(invalid, { HEALTH_CACHE_MS: '1.5' }, 'HEALTH_CACHE_MS');
test(invalid, { HEALTH_INTERVAL_MS: '500' }, 'HEALTH_INTERVAL_MS');
test(invalid, { HEALTH_INTERVAL_MS: '600001' }, 'HEALTH_INTERVAL_MS');
test(invalid, { HEALTH_INTERVAL_MS: '15s' }, 'HEALTH_INTERVAL_MS');
test(invalid, { HEALTH_INTERVAL_MS: '-1' }, 'HEALTH_INTERVAL_MS');
test(invalid, { LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
test(invalid, { MIGRATE_ON_START: 'maybe' }, 'MIGRATE_ON_START');
test(invalid, { PORT: '9000', METRICS_PORT: '9000' }, 'METRICS_PORT');
test(invalid, { METRICS_PORT: '8080' }, 'METRICS_PORT');
test(invalid, { DATABASE_URL: 'mysql://user:secretpw@host/db' }, 'DATABASE_URL');
test(invalid, { RELEASE_ID: 'a b' }, 'RELEASE_ID');
test(invalid, { RELEASE_ID: 'a'.repeat(129) }, 'RELEASE_ID');

test('an invalid DATABASE_URL is not repeated in the message', (t) => {
  const error = t.throws(() => loadConfig({ DATABASE_URL: 'mysql://user:secretpw@host/db' }), {
    instanceOf: ConfigError,
  });
  t.false(error?.message.includes('secretpw'));
  t.false(error?.message.includes('mysql://'));
});

test('several invalid variables are all named on one line', (t) => {
  const error = t.throws(
    () => loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', MIGRATE_ON_START: 'maybe', HEALTH_CACHE_MS: '1.5' }),
    { instanceOf: ConfigError },
  );
  const message = error?.message ?? '';
  t.false(message.includes('\n'));
  for (const variable of ['PORT', 'LOG_LEVEL', 'MIGRATE_ON_START', 'HEALTH_CACHE_MS']) {
    t.regex(message, new RegExp(`\\b${variable}\\b`));
  }
});

test('the config is frozen', (t) => {
  const config = loadConfig({});
  t.true(Object.isFrozen(config));
  t.throws(
    () => {
      (config as { port: number }).port = 1;
    },
    { instanceOf: TypeError },
  );
  t.is(config.port, 8080);
});
