import { isUtf8 } from 'node:buffer';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PLACEHOLDER } from './names.js';

/** Never copied: installed, built, local-database and local-only files. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.data', 'coverage', '.scratch', '.git']);
const SKIPPED_FILES = /^(\.env|\.DS_Store|.*\.log|.*\.tsbuildinfo)$/;

export interface TemplateFile {
  /** Relative to the template directory, with `/` separators. */
  path: string;
  content: string | Buffer;
  mode: number;
}

/**
 * Reads the template, dotfiles included, with the placeholder name replaced by
 * `name` in every text file and path. The template is copied, not rendered:
 * `{{` in its code means nothing here.
 */
export function readTemplate(templateDir: string, name: string): TemplateFile[] {
  const files: TemplateFile[] = [];
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(path.join(templateDir, relativeDir), { withFileTypes: true })) {
      const relative = path.posix.join(relativeDir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) walk(relative);
      } else if (entry.isFile() && !SKIPPED_FILES.test(entry.name)) {
        const absolute = path.join(templateDir, relative);
        files.push(renderFile(relative, readFileSync(absolute), statSync(absolute).mode & 0o777, name));
      }
    }
  };
  walk('');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * The same template read from anywhere (a git commit): files outside what
 * `readTemplate` copies are left out, the others renamed the same way.
 */
export function renderTemplate(
  files: readonly { path: string; content: Buffer; mode: number }[],
  name: string,
): TemplateFile[] {
  return files
    .filter((file) => isCopied(file.path))
    .map((file) => renderFile(file.path, file.content, file.mode, name))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Whether a path relative to the template (or a service) is one the generator copies. */
export function isCopied(relative: string): boolean {
  const parts = relative.split('/');
  return !parts.slice(0, -1).some((part) => SKIPPED_DIRECTORIES.has(part)) && !SKIPPED_FILES.test(parts.at(-1)!);
}

function renderFile(relative: string, raw: Buffer, mode: number, name: string): TemplateFile {
  return {
    path: replacePlaceholder(relative, name),
    content: isText(raw) ? replacePlaceholder(raw.toString('utf8'), name) : raw,
    mode,
  };
}

/** Only valid UTF-8 without NUL bytes is text; anything else is copied byte for byte. */
export function isText(raw: Buffer): boolean {
  return !raw.includes(0) && isUtf8(raw);
}

export function replacePlaceholder(text: string, name: string): string {
  return text.replaceAll(PLACEHOLDER, name);
}
