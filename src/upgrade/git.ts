/** The few git commands an upgrade needs, run with `git -C <dir>`; each returns plain data. */
import { execFileSync } from 'node:child_process';
import { UpgradeError } from './errors.js';

/** stdout of `git <args>` in `cwd`; throws with git's own message when it fails. */
export function git(cwd: string, args: readonly string[], input?: string): Buffer {
  try {
    return execFileSync('git', args, {
      cwd,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
    });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new UpgradeError(`git ${args.join(' ')} failed in ${cwd}: ${stderr || String(error)}`);
  }
}

const text = (cwd: string, args: readonly string[]): string => git(cwd, args).toString('utf8').trim();

/** The repository holding `dir` and the path of `dir` inside it (`template/`), or undefined outside git. */
export function repositoryOf(dir: string): { top: string; prefix: string } | undefined {
  try {
    const [top, prefix] = text(dir, ['rev-parse', '--show-toplevel', '--show-prefix']).split('\n');
    return { top: top!, prefix: prefix ?? '' };
  } catch {
    return undefined;
  }
}

/** `git status --porcelain` of `dir` alone: the lines of what is uncommitted there, ignored files aside. */
export function uncommitted(dir: string): string[] {
  return text(dir, ['status', '--porcelain', '--untracked-files=all', '--', '.'])
    .split('\n')
    .filter((line) => line !== '');
}

/** Whether git tracks any file under `dir` (an ignored or never-added directory has none). */
export function isTracked(dir: string): boolean {
  return git(dir, ['ls-files', '--', '.']).length > 0;
}

/** The full name of a commit, or an UpgradeError saying it is not in the repository. */
export function resolveCommit(dir: string, ref: string): string {
  if (!/^[\w./~^@{}-]+$/.test(ref) || ref.startsWith('-')) throw new UpgradeError(`"${ref}" is not a commit name`);
  try {
    return text(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UpgradeError(`commit ${ref} is not in the repository at ${repositoryOf(dir)?.top ?? dir}`);
  }
}

/** The tree object of `prefix` (a directory, `template/`) at `commit`. */
export function treeAt(dir: string, commit: string, prefix: string): string {
  return text(dir, ['rev-parse', '--verify', '--quiet', `${commit}:${prefix.replace(/\/$/, '')}`]);
}

export interface GitFile {
  /** Relative to the directory listed, `/` separators. */
  path: string;
  mode: number;
  content: Buffer;
}

/**
 * Every file under `prefix` at `commit`, read with one `git ls-tree` and one
 * `git cat-file --batch`: the template as it was, without a work tree.
 */
export function filesAt(dir: string, commit: string, prefix: string): GitFile[] {
  const entries = git(dir, ['ls-tree', '-r', '-z', '--full-tree', `${commit}:${prefix.replace(/\/$/, '')}`])
    .toString('utf8')
    .split('\0')
    .filter((entry) => entry !== '')
    .map((entry) => {
      const [meta, file] = entry.split('\t') as [string, string];
      const [mode, type, object] = meta.split(' ') as [string, string, string];
      return { path: file, mode, type, object };
    })
    .filter((entry) => entry.type === 'blob' && entry.mode !== '120000');
  if (entries.length === 0) return [];
  const batch = git(dir, ['cat-file', '--batch'], entries.map((entry) => entry.object).join('\n') + '\n');
  const files: GitFile[] = [];
  let offset = 0;
  for (const entry of entries) {
    const headerEnd = batch.indexOf(0x0a, offset);
    const size = Number(batch.subarray(offset, headerEnd).toString('utf8').split(' ')[2]);
    const content = batch.subarray(headerEnd + 1, headerEnd + 1 + size);
    offset = headerEnd + 1 + size + 1;
    files.push({ path: entry.path, mode: entry.mode === '100755' ? 0o755 : 0o644, content: Buffer.from(content) });
  }
  return files;
}

/** Subjects of the commits between `from` and `to` that touched `prefix`, newest first. */
export function subjects(dir: string, from: string, to: string, prefix: string): string[] {
  const top = repositoryOf(dir)?.top ?? dir;
  return text(top, ['log', '--format=%s', `${from}..${to}`, '--', prefix || '.'])
    .split('\n')
    .filter((line) => line !== '');
}

/** The first seven characters, as git prints a commit. */
export const short = (commit: string): string => commit.slice(0, 7);
