// Runs npm scripts one after another, each even when an earlier one failed, then
// prints one line per script and exits 1 if any failed: a failing pass must not
// hide the passes after it. Usage: node scripts/run-passes.js SCRIPT...
import { spawnSync } from 'node:child_process';

const scripts = process.argv.slice(2);
if (scripts.length === 0) {
  console.error('usage: node scripts/run-passes.js SCRIPT...');
  process.exit(2);
}

const npm = process.env.npm_execpath
  ? [process.execPath, process.env.npm_execpath] // the npm that started us
  : ['npm'];
const results = [];
for (const script of scripts) {
  const started = Date.now();
  const { status, signal, error } = spawnSync(npm[0], [...npm.slice(1), 'run', script], { stdio: 'inherit' });
  const seconds = Math.round((Date.now() - started) / 1000);
  const outcome = error
    ? `could not start: ${error.message}`
    : signal
      ? `killed by ${signal}`
      : status === 0
        ? 'passed'
        : `failed (exit ${status})`;
  results.push({ script, ok: status === 0, outcome, seconds });
  // Interrupted by the user: stop here rather than start the next pass.
  if (signal === 'SIGINT' || signal === 'SIGTERM') break;
}

const width = Math.max(...scripts.map((s) => s.length));
console.log('\nnpm test:');
for (const { script, ok, outcome, seconds } of results) {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${script.padEnd(width)}  ${outcome}, ${seconds} s`);
}
for (const script of scripts.slice(results.length)) console.log(`  --   ${script.padEnd(width)}  not run`);
process.exit(results.length === scripts.length && results.every((r) => r.ok) ? 0 : 1);
