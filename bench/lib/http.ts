import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Answer {
  status: number;
  body: string;
  /** The body as received (still compressed when the answer is). */
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** From sending the request to the last byte of the body. */
  ms: number;
}

/**
 * One GET on a fresh connection, through node:http rather than fetch: fetch
 * loads undici on first use, tens of milliseconds that would land in the
 * first start-up measurement.
 */
export function get(url: string, timeoutMs = 5_000, headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = http.get(url, { agent: false, timeout: timeoutMs, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: response.statusCode ?? 0,
          body: body.toString(),
          raw: body,
          headers: response.headers,
          bytes: body.length,
          ms: performance.now() - started,
        });
      });
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

/**
 * Polls `url` every `everyMs` until it answers `status`; returns the time from
 * `since` (a performance.now() value) to that answer. Connection refusals and
 * other statuses just mean "not yet".
 */
export interface WaitOptions {
  status?: number;
  timeoutMs?: number;
  everyMs?: number;
  /** performance.now() of the moment to count from; default: now. */
  since?: number;
  /** False once the process behind `url` has died: stop waiting then. */
  isAlive?: () => boolean;
}

export async function waitForStatus(url: string, options: WaitOptions = {}): Promise<number> {
  const { status = 200, timeoutMs = 30_000, everyMs = 10, since = performance.now(), isAlive = () => true } = options;
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    if (!isAlive()) throw new Error(`${url}: the process exited before answering ${status}`);
    try {
      const answer = await get(url, Math.max(1, deadline - performance.now()));
      if (answer.status === status) return performance.now() - since;
      last = `${answer.status} ${answer.body.slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(everyMs);
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** Fails unless `url` answers 200 with exactly `body`: a benchmark of a wrong answer measures nothing. */
export async function expectBody(url: string, body: string): Promise<void> {
  const answer = await get(url);
  if (answer.status !== 200 || answer.body !== body) {
    throw new Error(`GET ${url} answered ${answer.status} ${answer.body.slice(0, 300)}, expected 200 ${body}`);
  }
}
