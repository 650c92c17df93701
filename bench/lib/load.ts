import { createHistogram } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { cpuMs } from './cpu.js';

export interface LoadResult {
  /** Responses of any status per second. */
  rps: number;
  responses: number;
  /** Responses with a 2xx status. */
  ok: number;
  /** Responses with any other status, by status. */
  otherStatuses: Record<string, number>;
  /** Socket errors and timeouts. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  seconds: number;
  /** CPU the server process used per response, in microseconds (NaN when its pid is not given). */
  serverCpuUs: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** The server's process id, to read its CPU time around the run. */
  serverPid?: number;
}

/**
 * Loads one URL with autocannon, from this process while the server runs in
 * its own. autocannon's own latency histogram counts whole milliseconds,
 * too coarse for sub-millisecond answers, so every response time is recorded
 * here in microseconds.
 */
export function load({ url, connections, seconds, serverPid }: LoadOptions): Promise<LoadResult> {
  const latencies = createHistogram();
  const cpuBefore = cpuMs(serverPid);
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, duration: seconds, timeout: 10 }, (error, result) => {
      if (error) return reject(error);
      const otherStatuses: Record<string, number> = {};
      for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
        if (!status.startsWith('2')) otherStatuses[status] = count;
      }
      const responses = latencies.count;
      resolve({
        rps: responses / result.duration,
        responses,
        ok: result['2xx'],
        otherStatuses,
        errors: result.errors + result.timeouts,
        p50Ms: responses === 0 ? NaN : latencies.percentile(50) / 1000,
        p99Ms: responses === 0 ? NaN : latencies.percentile(99) / 1000,
        seconds: result.duration,
        serverCpuUs: ((cpuMs(serverPid) - cpuBefore) * 1000) / responses,
      });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseMs: number) => {
      latencies.record(Math.max(1, Math.round(responseMs * 1000)));
    });
  });
}

/** Throws when a load run met socket errors or, unless allowed, statuses other than 2xx. */
export function assertClean(what: string, result: LoadResult, { allowOtherStatuses = false } = {}): void {
  const others = Object.entries(result.otherStatuses);
  if (result.errors > 0 || (!allowOtherStatuses && others.length > 0) || result.responses === 0) {
    throw new Error(
      `${what}: ${result.responses} responses, ${result.errors} errors or timeouts, other statuses ${JSON.stringify(result.otherStatuses)}`,
    );
  }
}
