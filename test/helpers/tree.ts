import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Every entry under `dir`, sorted: `d path/` for a directory, `f path sha256`
 * for a file, `l path -> target` for a symbolic link. Directories are listed
 * so that an empty directory left behind counts as a change.
 */
export function treeSnapshot(dir: string): string[] {
  const lines: string[] = [];
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(dir, relative)).sort()) {
      const rel = relative === '' ? name : `${relative}/${name}`;
      const absolute = path.join(dir, rel);
      const stat = lstatSync(absolute);
      if (stat.isSymbolicLink()) lines.push(`l ${rel} -> ${readlinkSync(absolute)}`);
      else if (stat.isDirectory()) {
        lines.push(`d ${rel}/`);
        walk(rel);
      } else lines.push(`f ${rel} ${createHash('sha256').update(readFileSync(absolute)).digest('hex')}`);
    }
  };
  walk('');
  return lines.sort();
}

/** One hash of the whole tree: sorted relative paths plus the sha256 of each file. */
export function treeHash(dir: string): string {
  return createHash('sha256').update(treeSnapshot(dir).join('\n')).digest('hex');
}

/** The files under `dir`, relative, with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  return treeSnapshot(dir)
    .filter((line) => line.startsWith('f '))
    .map((line) => line.split(' ')[1]!);
}

/** Temporary directories of one test file, removed by `cleanup` (call it from test.after.always). */
export function tempDirs(prefix: string): { make: () => string; cleanup: () => void } {
  const made: string[] = [];
  return {
    make() {
      const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}
