import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The service's root: the template, or a service generated from it. */
export const SERVICE_DIR = path.resolve(import.meta.dirname, '../..');

export const K8S_DIR = path.join(SERVICE_DIR, 'deploy/k8s');
export const PROMETHEUS_DIR = path.join(SERVICE_DIR, 'deploy/prometheus');
export const RULES_FILE = path.join(PROMETHEUS_DIR, 'rules.yml');
export const DASHBOARD_FILE = path.join(SERVICE_DIR, 'deploy/grafana/dashboard.json');

export function readText(file: string): string {
  return readFileSync(path.resolve(SERVICE_DIR, file), 'utf8');
}

/** The service's name, which every deployment file uses: read, never assumed. */
export const SERVICE_NAME = (JSON.parse(readText('package.json')) as { name: string }).name;

/** One YAML document; duplicate keys and syntax errors throw. */
export function readYaml<T = unknown>(file: string): T {
  return parse(readText(file), { uniqueKeys: true, prettyErrors: true }) as T;
}

/**
 * Where `npm run build` (tsconfig.build.json) writes a source file:
 * `src/server.ts` → `dist/src/server.js`.
 */
export function compiledPath(source: string): string {
  const { compilerOptions } = JSON.parse(readText('tsconfig.build.json')) as {
    compilerOptions: { outDir: string; rootDir: string };
  };
  const relative = path.posix.relative(compilerOptions.rootDir, source);
  return path.posix.join(compilerOptions.outDir, relative).replace(/\.ts$/, '.js');
}

export interface AlertRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of deploy/prometheus/rules.yml. */
export function readRules(): AlertRule[] {
  const { groups } = readYaml<{ groups: { name: string; rules: AlertRule[] }[] }>(RULES_FILE);
  return groups.flatMap((group) => group.rules);
}
