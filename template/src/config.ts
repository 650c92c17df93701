import { z } from 'zod';

/**
 * Every setting the service reads, validated once at start into a typed,
 * read-only object. Defaults live here and nowhere else; `.env.example`
 * documents the same names.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** A second port that serves only `/metrics`, or undefined for none. */
  readonly metricsPort: number | undefined;
  /** Time for a request's headers, from its first byte (or from the connection, for its first request). */
  readonly httpHeadersTimeoutMs: number;
  /** Time for a whole request, body included; at least `httpHeadersTimeoutMs`. */
  readonly httpRequestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open; longer than the load balancer's own idle timeout. */
  readonly httpKeepAliveTimeoutMs: number;
  /** Connections past this many are closed as they arrive. */
  readonly httpMaxConnections: number;
  /** A `postgres://` URL, or undefined to use the embedded PGlite database. */
  readonly databaseUrl: string | undefined;
  /** Where PGlite keeps its files; `memory://` keeps them in memory. */
  readonly pgliteDataDir: string;
  readonly dbPoolMax: number;
  /** How long opening a PostgreSQL connection may take, handshake included. */
  readonly dbConnectTimeoutMs: number;
  /** How long a query waits for a connection from the pool (opening one included). */
  readonly dbAcquireTimeoutMs: number;
  /** PostgreSQL's `statement_timeout` for the service's sessions; 0 for none. */
  readonly dbStatementTimeoutMs: number;
  readonly migrateOnStart: boolean;
  readonly logLevel: LogLevel;
  readonly shutdownDelayMs: number;
  readonly shutdownTimeoutMs: number;
  readonly healthTimeoutMs: number;
  readonly healthCacheMs: number;
  /** How often each check runs in the background, so probes only read results; 0: off, probes run them. */
  readonly healthIntervalMs: number;
  /** The build's commit or release, shown as `releaseId` in health+json bodies; set by the image build. */
  readonly releaseId: string | undefined;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Thrown for an invalid environment; its message is one line naming each bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((raw) => /^\d+$/.test(raw) && Number(raw) >= min && Number(raw) <= max, {
      error: (issue) => `must be an integer from ${min} to ${max} (got ${JSON.stringify(issue.input)})`,
    })
    .transform(Number);

const boolean = () =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((raw) => ['true', 'false', '1', '0'].includes(raw), {
      message: 'must be true or false',
    })
    .transform((raw) => raw === 'true' || raw === '1');

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((raw) => (raw === '' ? undefined : raw), schema.optional());

const schema = z.object({
  PORT: integer(1, 65535).default(8080),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  METRICS_PORT: optional(integer(1, 65535)),
  HTTP_HEADERS_TIMEOUT_MS: integer(1, 600_000).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: integer(1, 3_600_000).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: integer(1, 3_600_000).default(65_000),
  HTTP_MAX_CONNECTIONS: integer(1, 1_000_000).default(1000),
  // The message never repeats the value: it may hold a password.
  DATABASE_URL: optional(
    z.string().refine((raw) => /^postgres(ql)?:\/\/[^\s]+$/.test(raw), {
      message: 'must be a postgres:// or postgresql:// URL',
    }),
  ),
  PGLITE_DATA_DIR: z.string().trim().min(1, 'must not be empty').default('.data/pglite'),
  DB_POOL_MAX: integer(1, 100).default(10),
  DB_CONNECT_TIMEOUT_MS: integer(1, 600_000).default(1000),
  DB_ACQUIRE_TIMEOUT_MS: integer(1, 600_000).default(5000),
  DB_STATEMENT_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
  MIGRATE_ON_START: boolean().default(true),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  SHUTDOWN_DELAY_MS: integer(0, 600_000).default(0),
  SHUTDOWN_TIMEOUT_MS: integer(1, 600_000).default(10_000),
  HEALTH_TIMEOUT_MS: integer(1, 60_000).default(800),
  HEALTH_CACHE_MS: integer(0, 60_000).default(1000),
  // Under a second would call dependencies more often than any probe or scrape reads a result.
  HEALTH_INTERVAL_MS: z
    .string()
    .trim()
    .refine((raw) => /^\d+$/.test(raw) && (Number(raw) === 0 || (Number(raw) >= 1000 && Number(raw) <= 600_000)), {
      error: (issue) => `must be 0 (off) or an integer from 1000 to 600000 (got ${JSON.stringify(issue.input)})`,
    })
    .transform(Number)
    .default(0),
  RELEASE_ID: optional(
    z
      .string()
      .trim()
      .regex(/^[\x21-\x7e]{1,128}$/, 'must be at most 128 printable characters without spaces'),
  ),
});

/**
 * Reads the configuration from an environment (by default `process.env`).
 * @throws {ConfigError} naming every invalid variable, on one line.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const values = result.data;
  if (values.METRICS_PORT === values.PORT) {
    throw new ConfigError('Invalid configuration: METRICS_PORT must differ from PORT');
  }
  // Node refuses to start a server whose request timeout is the shorter.
  if (values.HTTP_REQUEST_TIMEOUT_MS < values.HTTP_HEADERS_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration: HTTP_REQUEST_TIMEOUT_MS must be at least HTTP_HEADERS_TIMEOUT_MS ' +
        `(got ${values.HTTP_REQUEST_TIMEOUT_MS} and ${values.HTTP_HEADERS_TIMEOUT_MS})`,
    );
  }
  return Object.freeze({
    port: values.PORT,
    host: values.HOST,
    metricsPort: values.METRICS_PORT,
    httpHeadersTimeoutMs: values.HTTP_HEADERS_TIMEOUT_MS,
    httpRequestTimeoutMs: values.HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: values.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    httpMaxConnections: values.HTTP_MAX_CONNECTIONS,
    databaseUrl: values.DATABASE_URL,
    pgliteDataDir: values.PGLITE_DATA_DIR,
    dbPoolMax: values.DB_POOL_MAX,
    dbConnectTimeoutMs: values.DB_CONNECT_TIMEOUT_MS,
    dbAcquireTimeoutMs: values.DB_ACQUIRE_TIMEOUT_MS,
    dbStatementTimeoutMs: values.DB_STATEMENT_TIMEOUT_MS,
    migrateOnStart: values.MIGRATE_ON_START,
    logLevel: values.LOG_LEVEL,
    shutdownDelayMs: values.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: values.SHUTDOWN_TIMEOUT_MS,
    healthTimeoutMs: values.HEALTH_TIMEOUT_MS,
    healthCacheMs: values.HEALTH_CACHE_MS,
    healthIntervalMs: values.HEALTH_INTERVAL_MS,
    releaseId: values.RELEASE_ID,
  });
}
