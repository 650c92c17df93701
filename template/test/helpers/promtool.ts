import { spawn } from 'node:child_process';

export interface PromtoolResult {
  code: number | null;
  /** What promtool printed: empty when the metrics are clean. */
  findings: string;
}

/** Runs `promtool check metrics` (Debian package `prometheus`) on an exposition. */
export function promtoolCheckMetrics(exposition: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let findings = '';
    child.stdout.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (findings += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, findings: findings.trim() }));
    child.stdin.end(exposition);
  });
}
