/**
 * The Express peer, as each library's documentation sets it up: Express 5,
 * express-prom-bundle first (default metrics and a histogram by method, route
 * and status; the route is Express's own template, the README's recipe),
 * pino-http at info (one line per answered request), and @godaddy/terminus,
 * which answers /healthz and /ready on the server before Express sees them
 * and runs the readiness check on every call.
 */
import { createServer } from 'node:http';
import { createTerminus } from '@godaddy/terminus';
import express from 'express';
import promBundle from 'express-prom-bundle';
import knex from 'knex';
import { pinoHttp } from 'pino-http';

const db = knex({ client: 'pg', connection: process.env.DATABASE_URL });
const app = express();

app.use(
  promBundle({
    includeMethod: true,
    includePath: true,
    normalizePath: (req) => (req.route as { path?: string } | undefined)?.path ?? 'unmatched',
    promClient: { collectDefaultMetrics: {} },
  }),
);
app.use(pinoHttp({ level: 'info' }));

app.get('/greetings/:name', (req, res) => {
  res.json({ message: `Hello, ${req.params.name}!` });
});
app.get('/db', async (_req, res) => {
  await db.raw('select 1');
  res.json({ ok: true });
});

const server = createServer(app);
createTerminus(server, {
  healthChecks: {
    '/healthz': async () => {},
    '/ready': async () => {
      await db.raw('select 1');
    },
  },
  onSignal: () => db.destroy(),
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
