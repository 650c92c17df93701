import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuMs } from './cpu.js';

/** wrk's script that counts statuses and prints the run as one JSON line. */
const REPORT_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua');

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

interface WrkReport {
  requests: number;
  durationUs: number;
  errors: number;
  timeouts: number;
  p50Us: number;
  p99Us: number;
  statuses: Record<string, number>;
}

/**
 * Loads one URL with wrk (one thread, keep-alive connections), in its own
 * process beside the server's. A load generator in JavaScript needs about as
 * much CPU per request as the server it loads, so on two cores it, not the
 * server, set the pace of the fastest servers and squeezed every ratio
 * towards 1. Latencies are wrk's, in microseconds.
 */
export function load({ url, connections, seconds, serverPid }: LoadOptions): Promise<LoadResult> {
  const cpuBefore = cpuMs(serverPid);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', REPORT_SCRIPT, url];
  return new Promise((resolve, reject) => {
    const wrk = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    wrk.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    wrk.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    wrk.once('error', (error) =>
      reject(new Error(`wrk could not start (${error.message}): install it with apt-get install wrk`)),
    );
    wrk.once('close', (code) => {
      const line = output.split('\n').find((candidate) => candidate.startsWith('WRK_REPORT '));
      if (code !== 0 || line === undefined)
        return reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${output}`));
      const report = JSON.parse(line.slice('WRK_REPORT '.length)) as WrkReport;
      const otherStatuses: Record<string, number> = {};
      let ok = 0;
      for (const [status, count] of Object.entries(report.statuses)) {
        if (status.startsWith('2')) ok += count;
        else otherStatuses[status] = count;
      }
      const responses = report.requests;
      resolve({
        rps: responses / (report.durationUs / 1e6),
        responses,
        ok,
        otherStatuses,
        errors: report.errors + report.timeouts,
        p50Ms: responses === 0 ? NaN : report.p50Us / 1000,
        p99Ms: responses === 0 ? NaN : report.p99Us / 1000,
        seconds: report.durationUs / 1e6,
        serverCpuUs: ((cpuMs(serverPid) - cpuBefore) * 1000) / responses,
      });
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
