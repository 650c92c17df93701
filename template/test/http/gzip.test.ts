import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import Koa from 'koa';
import { gzipWhenAccepted } from '../../src/http/gzip.js';

/** A Koa app with only the middleware, answering `body`, over real HTTP. */
async function serve(t: ExecutionContext, answer: (ctx: Koa.Context) => void): Promise<string> {
  const app = new Koa();
  app.use(gzipWhenAccepted());
  app.use((ctx) => answer(ctx));
  const server = http.createServer(app.callback()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function get(url: string, acceptEncoding: string) {
  return new Promise<{ headers: http.IncomingHttpHeaders; raw: Buffer }>((resolve, reject) => {
    http
      .get(url, { headers: { 'Accept-Encoding': acceptEncoding }, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ headers: response.headers, raw: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const TEXT = '# HELP up 1 when up\n# TYPE up gauge\nup 1\n'.repeat(50);

test('a text body, gzip accepted: gzipped, with its Content-Length and type kept', async (t) => {
  const url = await serve(t, (ctx) => {
    ctx.type = 'text/plain; version=0.0.4; charset=utf-8';
    ctx.body = TEXT;
  });
  const answer = await get(url, 'deflate, gzip;q=0.8');
  t.is(answer.headers['content-encoding'], 'gzip');
  t.is(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.is(Number(answer.headers['content-length']), answer.raw.length);
  t.is(gunzipSync(answer.raw).toString(), TEXT);
});

test('a body that is not a string (a stream, or already encoded) is left as it is', async (t) => {
  const streamed = await serve(t, (ctx) => {
    ctx.body = Readable.from([TEXT]);
  });
  t.is((await get(streamed, 'gzip')).headers['content-encoding'], undefined);
  const encoded = await serve(t, (ctx) => {
    ctx.set('Content-Encoding', 'br');
    ctx.body = TEXT;
  });
  const answer = await get(encoded, 'gzip');
  t.is(answer.headers['content-encoding'], 'br');
  t.is(answer.raw.toString(), TEXT);
});
