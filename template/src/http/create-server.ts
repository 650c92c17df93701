import { createServer, type RequestListener, type Server } from 'node:http';
import type { Config } from '../config.js';

/**
 * How often Node compares open connections with the headers and request
 * timeouts. Its default, 30 s, let a slow client live up to 30 s past its
 * bound; a check a second over a few hundred connections costs nothing.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;

/** The settings a server takes from the configuration. */
export type ServerLimits = Pick<
  Config,
  'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs' | 'httpMaxConnections'
>;

/**
 * A Node HTTP server whose connections cannot be held for ever: a client has
 * `httpHeadersTimeoutMs` to send a request's headers from its first byte (a
 * socket that sends nothing included), `httpRequestTimeoutMs` for the whole
 * request; an idle keep-alive connection is closed after
 * `httpKeepAliveTimeoutMs`; connections past `httpMaxConnections` are closed
 * as they arrive. Past a bound the client gets a 408, or its socket closed.
 */
export function createHttpServer(listener: RequestListener, limits: ServerLimits): Server {
  const server = createServer(
    {
      headersTimeout: limits.httpHeadersTimeoutMs,
      requestTimeout: limits.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.min(CONNECTIONS_CHECKING_INTERVAL_MS, limits.httpHeadersTimeoutMs),
    },
    listener,
  );
  server.keepAliveTimeout = limits.httpKeepAliveTimeoutMs;
  server.maxConnections = limits.httpMaxConnections;
  return server;
}
