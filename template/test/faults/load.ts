import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** One request of a load loop, as the client saw it. */
export interface Outcome {
  /** The x-request-id it was sent with. */
  id: string;
  startedAt: number;
  endedAt: number;
  status?: number;
  /** The error code when no response came (ECONNREFUSED, ECONNRESET, …). */
  error?: string;
}

export interface LoadOptions {
  port: number;
  path: string;
  clients: number;
  /** Stops sending once this resolves. */
  until: Promise<unknown>;
  /** Upper bound on requests per client, whatever happens. */
  maxPerClient?: number;
  /** Pause after a failed request, so a refused port is not hammered. */
  pauseAfterErrorMs?: number;
}

/**
 * `clients` loops, each sending GET `path` one after the other on a
 * keep-alive connection of its own, each request with a unique x-request-id
 * so the server's access log can tell which ones it accepted.
 */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const { port, path, clients, until, maxPerClient = 20_000, pauseAfterErrorMs = 20 } = options;
  let stopped = false;
  void until.then(() => (stopped = true));
  const outcomes: Outcome[] = [];
  const agents: http.Agent[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      for (let n = 0; n < maxPerClient && !stopped; n++) {
        const outcome = await send(agent, port, path, `load-${client}-${n}`);
        outcomes.push(outcome);
        if (outcome.error) await sleep(pauseAfterErrorMs);
      }
    }),
  );
  for (const agent of agents) agent.destroy();
  return outcomes;
}

function send(agent: http.Agent, port: number, path: string, id: string): Promise<Outcome> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'x-request-id': id } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ id, startedAt, endedAt: Date.now(), status: res.statusCode ?? 0 }));
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ id, startedAt, endedAt: Date.now(), error: error.code ?? error.message }),
      );
    });
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ id, startedAt, endedAt: Date.now(), error: error.code ?? error.message }),
    );
    req.end();
  });
}
