import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import knex from 'knex';
import { bindModels } from '../../src/db/models.js';

/** The files of Objection this process has loaded. */
function objectionLoaded(): string[] {
  return Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/objection/'));
}

// One test, in this order: binding loads Objection, whose absence the first part asserts.
test('Objection is loaded and bound to the database only when the models directory exists', async (t) => {
  // Binding only keeps the instance: one that never connects will do.
  const db = knex({ client: 'pg' });
  t.teardown(() => db.destroy());
  const modelsDir = await mkdtemp(path.join(os.tmpdir(), 'models-'));
  t.teardown(() => rm(modelsDir, { recursive: true, force: true }));

  bindModels(db, pathToFileURL(path.join(modelsDir, 'none/')));
  t.deepEqual(objectionLoaded(), []);

  bindModels(db, pathToFileURL(`${modelsDir}/`));
  const { Model } = await import('objection');
  t.is(Model.knex(), db);
});
