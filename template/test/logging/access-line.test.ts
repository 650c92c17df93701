import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import test from 'ava';
import { pino } from 'pino';
import type { LogLevel } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { accessLineWriter, type AccessFields } from '../../src/logging/access-line.js';
import { logLines } from '../helpers/log-lines.js';

// What the SDK registers when tracing is on; this test file's process has no SDK otherwise.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const FIELDS: AccessFields = {
  requestId: 'r-1',
  method: 'GET',
  path: '/greetings/ada',
  route: '/greetings/:name',
  status: 200,
  durationMs: 1.25,
};

/** The service's logger writing to a list, and the same logger's child, as the access log can be given either. */
function loggers(logLevel: LogLevel = 'info') {
  const { stream, lines } = logLines();
  const logger = createLogger({ logLevel }, { name: 'svc', version: '1.0.0' }, stream);
  return { logger, child: logger.child({ component: 'http' }), lines };
}

/** A line without its time, which differs between two writes; the key order is kept. */
function withoutTime(line: string): [string, unknown][] {
  return Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([key]) => key !== 'time');
}

const CASES: [string, Partial<AccessFields>][] = [
  ['a matched route', {}],
  ['no route', { route: undefined, path: '/nowhere', status: 404 }],
  ['a path with quotes, backslashes, controls and other scripts', { path: '/a"b\\c\u0001/日本/\ud83d\ude00' }],
  ['a path with a lone surrogate, DEL and a tab', { path: '/a\ud800b\u007fc\td' }],
  ['a path longer than a log string may be', { path: `/${'a'.repeat(5000)}?password=hunter2` }],
  ['an integer duration', { durationMs: 3 }],
];

for (const [name, change] of CASES) {
  test(`its line is logger.info(fields, 'request')'s line, for ${name}`, (t) => {
    const { logger, child, lines } = loggers();
    for (const log of [logger, child]) {
      const fields = { ...FIELDS, ...change };
      accessLineWriter(log)(fields);
      log.info(fields, 'request');
    }
    t.is(lines.length, 4);
    t.deepEqual(withoutTime(lines[0]!), withoutTime(lines[1]!));
    t.deepEqual(withoutTime(lines[2]!), withoutTime(lines[3]!));
    t.true(lines.every((line) => typeof (JSON.parse(line) as { time: unknown }).time === 'number'));
  });
}

test('its line carries the active span’s ids, as every line does', (t) => {
  const { logger, lines } = loggers();
  const span = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
  };
  context.with(trace.setSpanContext(context.active(), span), () => {
    accessLineWriter(logger)(FIELDS);
    logger.info(FIELDS, 'request');
  });
  t.like(JSON.parse(lines[0]!), { trace_id: span.traceId, span_id: span.spanId });
  t.deepEqual(withoutTime(lines[0]!), withoutTime(lines[1]!));
});

test('nothing is written above the info level, and the level can change while it runs', (t) => {
  const { logger, lines } = loggers('warn');
  const write = accessLineWriter(logger);
  write(FIELDS);
  t.is(lines.length, 0);
  logger.level = 'debug';
  write(FIELDS);
  t.is(lines.length, 1);
});

test('a multistream still gets the line at the info level, as it routes by level', (t) => {
  const info = logLines();
  const errors = logLines();
  const logger = createLogger(
    { logLevel: 'info' },
    { name: 'svc', version: '1.0.0' },
    pino.multistream([
      { level: 'info', stream: info.stream },
      { level: 'error', stream: errors.stream },
    ]),
  );
  logger.error('before');
  accessLineWriter(logger)(FIELDS);
  t.is(info.lines.length, 2);
  t.is(errors.lines.length, 1);
  t.like(JSON.parse(info.lines[1]!), { level: 30, msg: 'request', route: FIELDS.route });
});
