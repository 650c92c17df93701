import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as prettier from 'prettier';

/** One line of the results table. */
export interface Row {
  benchmark: string;
  measure: string;
  /** The side under test (the template, the hook, …), with its name. */
  measured: string;
  /** What it is compared with, or '—'. */
  baseline: string;
  ratio: string;
  target: string;
  /** 'yes', 'no', or '—' where there is no target. */
  met: string;
}

/** What a part returns: its rows, how they were measured, and the value of every round behind the medians. */
export interface Section {
  title: string;
  rows: Row[];
  /** How the part measures, for the reader of docs/benchmarks.md. */
  method: string[];
  rounds: string[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  postgres: string;
  date: string;
  /** 1-minute load average when the run started: above ~0.5, something else was using the CPUs. */
  loadAtStart: number;
}

export function describeMachine(postgres: string, loadAtStart: number): Machine {
  return {
    loadAtStart,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    postgres,
    date: new Date().toISOString().slice(0, 10),
  };
}

export const met = (ok: boolean): string => (ok ? 'yes' : 'no');

/** 12345.6 → "12,346" */
export const int = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';

/** Milliseconds with a precision that suits their size. */
export const ms = (value: number): string => {
  if (!Number.isFinite(value)) return 'n/a';
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
};

/** Microseconds, whole. */
export const us = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} µs` : 'n/a');

export const ratio = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');

export const bytes = (value: number): string =>
  value >= 10_000 ? `${(value / 1024).toFixed(0)} KiB` : `${Math.round(value)} B`;

const HEADER: Row = {
  benchmark: 'Benchmark',
  measure: 'Measure',
  measured: 'Measured (median)',
  baseline: 'Baseline (median)',
  ratio: 'Ratio',
  target: 'Target',
  met: 'Met?',
};

function table(rows: readonly Row[]): string {
  const keys = Object.keys(HEADER) as (keyof Row)[];
  const line = (row: Row) => `| ${keys.map((key) => row[key].replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(HEADER), `| ${keys.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

export interface Report {
  machine: Machine;
  smoke: boolean;
  settings: string;
  sections: Section[];
  seconds: number;
}

/** The whole report as Markdown, formatted by the repository's prettier settings (so `npm run lint` accepts it). */
export async function renderReport(report: Report, file: string): Promise<string> {
  const { machine } = report;
  const markdown = [
    '# Benchmarks',
    '',
    report.smoke
      ? '**Smoke run**: every part for a second or two, one round each. The numbers only show that the parts work; they are not measurements.'
      : 'Written by `npm run bench` (code in `bench/`); run it again to replace this file. Every figure is measured on the machine below in one run, never copied from elsewhere. ' +
        'Where a target is missed, the scripts in `bench/breakdown/` (see `bench/README.md`) show what costs what.',
    '',
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), Node.js ${machine.node}, PostgreSQL ${machine.postgres} on the loopback interface`,
    `- Date: ${machine.date}; the run took ${Math.round(report.seconds)} s; 1-minute load average when it started: ${machine.loadAtStart.toFixed(2)} (above about 0.5, other work was sharing the machine)`,
    `- ${report.settings}`,
    '',
    table(report.sections.flatMap((section) => section.rows)),
    '',
    '## How each figure is measured',
    '',
    ...report.sections.flatMap((section) => [
      `### ${section.title}`,
      '',
      ...section.method.map((line) => `- ${line}`),
      '',
      'Rounds, in the order they ran:',
      '',
      ...section.rounds.map((line) => `- ${line}`),
      '',
    ]),
  ].join('\n');
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(markdown, { ...config, filepath: file });
}

export async function writeReport(file: string, markdown: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, markdown);
}
