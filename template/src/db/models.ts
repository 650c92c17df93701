import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type { Model } from 'objection';

/** Where the model generator writes models, beside this file's directory (in src/ and in dist/src/ alike). */
const MODELS_DIR = new URL('../models/', import.meta.url);

/**
 * Binds Objection's models to `db` (`Model.knex(db)`), so a model queries it
 * without being handed it, when the service has models (`src/models/`).
 * A service without any does not load Objection at all: loading it took a
 * tenth of a second or more of every start, on the way to the first ready.
 */
export function bindModels(db: Knex, modelsDir: URL = MODELS_DIR): void {
  if (!existsSync(modelsDir)) return;
  const objection = createRequire(import.meta.url)('objection') as { Model: typeof Model };
  objection.Model.knex(db);
}
