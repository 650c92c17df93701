import { once } from 'node:events';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { createMetricsApp } from '../../src/app.js';
import { createHttpServer } from '../../src/http/create-server.js';
import { promtoolCheckMetrics } from '../helpers/promtool.js';
import { createTestApp } from '../helpers/test-app.js';

/**
 * Where `/metrics` is served and how: over real HTTP, from the servers that
 * server.ts builds (the public app, and the metrics app on METRICS_PORT).
 */

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
}

/** A GET that sends exactly the headers given (fetch adds its own Accept-Encoding and decodes). */
function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, raw: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

async function listen(t: ExecutionContext, server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The public server and, when METRICS_PORT is set, the metrics server, as server.ts builds them. */
async function serve(t: ExecutionContext, env: Record<string, string> = {}) {
  const testApp = await createTestApp(env);
  t.teardown(() => testApp.close());
  const { config } = testApp.container.cradle;
  const publicUrl = await listen(t, createHttpServer(testApp.callback, config));
  const metricsUrl =
    config.metricsPort === undefined
      ? undefined
      : await listen(t, createHttpServer(createMetricsApp(testApp.container).callback(), config));
  return { publicUrl, metricsUrl };
}

/** Any port number other than PORT's default: the test listens on free ports, METRICS_PORT only has to be set. */
const METRICS_PORT = { METRICS_PORT: '9464' };

test('with METRICS_PORT, /metrics is served there only: the public port answers 404', async (t) => {
  const { publicUrl, metricsUrl } = await serve(t, METRICS_PORT);
  const publicAnswer = await get(`${publicUrl}/metrics`, { 'Accept-Encoding': 'gzip' });
  t.is(publicAnswer.status, 404);
  t.notRegex(publicAnswer.raw.toString(), /# HELP|# TYPE/);
  t.is((await get(`${publicUrl}/healthz`)).status, 200, 'the public port still serves the probes');

  const scrape = await get(`${metricsUrl!}/metrics`);
  t.is(scrape.status, 200);
  t.regex(scrape.raw.toString(), /^# HELP http_server_request_duration_seconds /m);
});

test('without METRICS_PORT, /metrics stays on the public port', async (t) => {
  const { publicUrl, metricsUrl } = await serve(t);
  t.is(metricsUrl, undefined);
  t.is((await get(`${publicUrl}/metrics`)).status, 200);
});

for (const where of ['public port (no METRICS_PORT)', 'metrics port'] as const) {
  test(`${where}: a scraper that accepts gzip gets the same exposition gzipped, clean under promtool`, async (t) => {
    const urls = await serve(t, where === 'metrics port' ? METRICS_PORT : {});
    const url = `${where === 'metrics port' ? urls.metricsUrl! : urls.publicUrl}/metrics`;
    // What Prometheus sends with every scrape.
    const gzipped = await get(url, {
      Accept: 'text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'Accept-Encoding': 'gzip',
    });
    t.is(gzipped.status, 200);
    t.is(gzipped.headers['content-encoding'], 'gzip');
    t.regex(String(gzipped.headers.vary), /accept-encoding/i);
    t.regex(String(gzipped.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    t.is(Number(gzipped.headers['content-length']), gzipped.raw.length);
    const text = gunzipSync(gzipped.raw).toString();
    const { code, findings } = await promtoolCheckMetrics(text);
    t.is(code, 0, findings);
    t.true(gzipped.raw.length < text.length / 3, `${gzipped.raw.length} gzipped bytes for ${text.length}`);

    const plain = await get(url);
    t.is(plain.status, 200);
    t.is(plain.headers['content-encoding'], undefined, 'no Accept-Encoding: plain text, as curl shows it');
    t.regex(String(plain.headers.vary), /accept-encoding/i, 'caches keep the two answers apart');
    t.regex(plain.raw.toString(), /^# HELP /m);
  });
}

test('gzip refused by the scraper (q=0), or not offered: plain text', async (t) => {
  const { publicUrl } = await serve(t);
  for (const acceptEncoding of ['gzip;q=0, identity', 'br', 'identity']) {
    const answer = await get(`${publicUrl}/metrics`, { 'Accept-Encoding': acceptEncoding });
    t.is(answer.status, 200, acceptEncoding);
    t.is(answer.headers['content-encoding'], undefined, acceptEncoding);
    t.regex(answer.raw.toString(), /^# HELP /m, acceptEncoding);
  }
});

test('only /metrics is compressed on the public port: other routes answer as before', async (t) => {
  const { publicUrl } = await serve(t);
  const answer = await get(`${publicUrl}/healthz`, { 'Accept-Encoding': 'gzip' });
  t.is(answer.status, 200);
  t.is(answer.headers['content-encoding'], undefined);
});
