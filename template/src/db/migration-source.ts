import { readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Knex } from 'knex';

/**
 * Where the migrations are: `migrations/` beside `src/`, both in the sources
 * (run by tsx) and in the build (`dist/migrations/` beside `dist/src/`).
 */
export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../migrations');

const MIGRATION_FILE = /^\d{14}_[\w-]+\.(js|ts)$/;

/**
 * Lists and imports the migrations of one directory. Knex's own file source
 * guesses the module system from the file; this one always imports, so the
 * same code runs `.ts` files under tsx and `.js` files once built. A migration
 * is named by its file name without extension, the same in both.
 */
export class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly directory: string = MIGRATIONS_DIR) {}

  async getMigrations(): Promise<string[]> {
    const files = await readdir(this.directory).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return files.filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts')).sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(js|ts)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    return (await import(pathToFileURL(path.join(this.directory, file)).href)) as Knex.Migration;
  }
}
