import test from 'ava';
import type { CheckResult, HealthReport, HealthStatus } from '../../src/health/types.js';
import { verboseText } from '../../src/health/verbose-text.js';

function result(status: HealthStatus, critical = true): CheckResult {
  return { status, time: '2026-12-02T00:00:00.000Z', durationMs: 1, critical };
}

const passing: HealthReport = {
  status: 'warn',
  checks: { database: result('pass'), 'event-loop': result('warn', false) },
};

test('a passing report: one [+] line a check in registration order, then the verdict', (t) => {
  t.is(
    verboseText('readyz', passing, { registered: ['database', 'event-loop'] }),
    '[+]database ok\n[+]event-loop ok\nreadyz check passed\n',
  );
});

test('a failing report withholds the reason, as kube-apiserver does', (t) => {
  const report: HealthReport = {
    status: 'fail',
    checks: {
      database: { ...result('fail'), output: 'connection refused (ECONNREFUSED)' },
      migrations: result('pass'),
    },
  };
  const text = verboseText('readyz', report, { registered: ['database', 'migrations'] });
  t.is(text, '[-]database failed: reason withheld\n[+]migrations ok\nreadyz check failed\n');
});

test('a non-critical failure is listed [-] under a verdict that passes', (t) => {
  const report: HealthReport = { status: 'warn', checks: { database: result('pass'), queue: result('fail', false) } };
  t.is(
    verboseText('readyz', report, { registered: ['database', 'queue'] }),
    '[+]database ok\n[-]queue failed: reason withheld\nreadyz check passed\n',
  );
});

test('excluded checks are listed as excluded, unknown names in one sorted, quoted warning', (t) => {
  const report: HealthReport = { status: 'pass', checks: { database: result('pass') } };
  const text = verboseText('readyz', report, {
    registered: ['database', 'event-loop'],
    excluded: new Set(['zz', 'event-loop', 'a"b']),
  });
  t.is(
    text,
    '[+]database ok\n[+]event-loop excluded: ok\n' +
      'warn: some health checks cannot be excluded: no matches for "a\\"b","zz"\n' +
      'readyz check passed\n',
  );
});

test('a draining service lists the shutdown check', (t) => {
  const report: HealthReport = { status: 'fail', output: 'shutting down', checks: {} };
  t.is(
    verboseText('readyz', report, { registered: ['database'], draining: true }),
    '[-]shutdown failed: reason withheld\nreadyz check failed\n',
  );
});
