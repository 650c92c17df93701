import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import test from 'ava';
import { createLogger } from '../../src/logger.js';
import { logLines } from '../helpers/log-lines.js';

// What the SDK registers when tracing is on; this test file's process has no SDK otherwise.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const SPAN = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.SAMPLED,
};

function logger() {
  const { stream, lines } = logLines();
  const log = createLogger({ logLevel: 'info' }, { name: 'svc', version: '1.0.0' }, stream);
  return { log, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('a line written while a span is active carries its trace and span ids, after an await too', async (t) => {
  const { log, lines } = logger();
  await context.with(trace.setSpanContext(context.active(), SPAN), async () => {
    log.info({ requestId: 'r1' }, 'handling');
    await new Promise((resolve) => setImmediate(resolve));
    log.info('still handling');
  });
  log.info('outside');
  t.like(lines()[0], { trace_id: SPAN.traceId, span_id: SPAN.spanId, requestId: 'r1', msg: 'handling' });
  t.like(lines()[1], { trace_id: SPAN.traceId, span_id: SPAN.spanId, msg: 'still handling' });
  t.false('trace_id' in lines()[2]!);
  t.false('span_id' in lines()[2]!);
});

test('an invalid span context (all zeros) adds nothing', (t) => {
  const { log, lines } = logger();
  const invalid = { traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: TraceFlags.NONE };
  context.with(trace.setSpanContext(context.active(), invalid), () => log.info('no trace'));
  t.false('trace_id' in lines()[0]!);
});

test('a line’s own fields are kept beside the ids', (t) => {
  const { log, lines } = logger();
  context.with(trace.setSpanContext(context.active(), SPAN), () => log.info({ a: 1 }, 'x'));
  context.with(trace.setSpanContext(context.active(), SPAN), () => log.info({ b: 2 }, 'y'));
  t.like(lines()[0], { a: 1, trace_id: SPAN.traceId });
  t.false('a' in lines()[1]!);
});
