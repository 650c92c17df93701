import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { existingService } from './existing-service.js';
import { assertName, kebabCase, modelNameProblem, tableName } from './names.js';
import { PlanError, type FileChange, type Plan } from './plan.js';
import { historyChange } from './upgrade/provenance.js';

export interface ModelPlanInput {
  root: string;
  service: string;
  name: string;
  now?: Date;
  /**
   * The migration's file name, as the service's history recorded it: replaying
   * the history gives the same file. By default, a new timestamp from `now`.
   */
  migration?: string;
}

/**
 * An Objection model, a timestamped migration creating its table, and a test
 * that round-trips a row; the run, with the migration's name, is appended to
 * the service's history.
 */
export function planModel(input: ModelPlanInput): Plan {
  const { dir, changes, migration } = planModelFiles(input);
  return {
    root: input.root,
    changes: [
      ...changes,
      ...historyChange(input.root, dir, { generator: 'model', answers: { name: input.name, migration } }),
    ],
  };
}

export interface ModelFiles {
  /** The service's directory, relative to the root. */
  dir: string;
  /** The model, its migration and its test. */
  changes: FileChange[];
  /** The migration's file name, for the history. */
  migration: string;
}

/**
 * The files of a model, without the history: the model generator records
 * them as its own run, the module generator as part of its own.
 * `uniqueName` makes `name` unique in the migration (a module's natural key).
 */
export function planModelFiles(input: ModelPlanInput & { uniqueName?: boolean }): ModelFiles {
  assertName(modelNameProblem(input.name));
  const dir = existingService(input.root, input.service);
  const file = kebabCase(input.name);
  const table = tableName(input.name);
  const modelFile = modelPath(dir, input.name);
  if (existsSync(path.join(input.root, modelFile))) {
    throw new PlanError(`model ${input.name} already exists in ${modelFile}; nothing was written`);
  }
  const migrationsDir = path.join(input.root, dir, 'migrations');
  const existing = existsSync(migrationsDir) ? readdirSync(migrationsDir) : [];
  if (existing.some((name) => name.replace(/\.(ts|js)$/, '').endsWith(`_create_${table}`))) {
    throw new PlanError(`a migration creating table ${table} already exists in ${dir}/migrations; nothing was written`);
  }
  const migration = input.migration ?? `${nextTimestamp(input.now ?? new Date(), existing)}_create_${table}.ts`;
  if (!new RegExp(`^\\d{14}_create_${table}\\.ts$`).test(migration)) {
    throw new PlanError(`migration ${migration} does not create ${table}; nothing was written`);
  }
  return {
    dir,
    migration,
    changes: [
      { type: 'add', path: modelFile, content: modelSource(input.name, table) },
      {
        type: 'add',
        path: `${dir}/migrations/${migration}`,
        content: migrationSource(table, input.uniqueName === true),
      },
      { type: 'add', path: `${dir}/test/models/${file}.test.ts`, content: modelTestSource(input.name, file) },
    ],
  };
}

/** Where the model `name` lives in a service directory. */
export function modelPath(dir: string, name: string): string {
  return `${dir}/src/models/${kebabCase(name)}.ts`;
}

/** `YYYYMMDDHHMMSS` in UTC, later than every existing migration so the order is kept. */
export function nextTimestamp(now: Date, existingMigrations: readonly string[]): string {
  const latest = existingMigrations
    .map((name) => /^(\d{14})_/.exec(name)?.[1])
    .filter((stamp): stamp is string => stamp !== undefined)
    .sort()
    .at(-1);
  let stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  if (latest !== undefined && stamp <= latest) {
    const next = new Date(
      Date.UTC(
        +latest.slice(0, 4),
        +latest.slice(4, 6) - 1,
        +latest.slice(6, 8),
        +latest.slice(8, 10),
        +latest.slice(10, 12),
        +latest.slice(12, 14) + 1,
      ),
    );
    stamp = next.toISOString().replace(/\D/g, '').slice(0, 14);
  }
  return stamp;
}

function modelSource(name: string, table: string): string {
  return `import { Model, snakeCaseMappers, type JSONSchema } from 'objection';

/** A row of \`${table}\`. Add a column here, in \`jsonSchema\` and in a migration. */
export class ${name} extends Model {
  static override tableName = '${table}';

  // Columns are snake_case in the database (created_at), camelCase here (createdAt).
  static override columnNameMappers = snakeCaseMappers();

  // Validated on insert and update: a bad value is a ValidationError (400), not a database error.
  static override jsonSchema: JSONSchema = {
    type: 'object',
    required: ['name'],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string', minLength: 1, maxLength: 255 },
    },
  };

  id!: number;
  name!: string;
  createdAt!: Date;
  updatedAt!: Date;

  override $beforeUpdate(): void {
    this.updatedAt = new Date();
  }
}
`;
}

function migrationSource(table: string, uniqueName: boolean): string {
  return `import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('${table}', (table) => {
    table.increments('id').primary();
    table.string('name', 255).notNullable()${uniqueName ? '.unique()' : ''};
    table.timestamps(true, true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('${table}');
}
`;
}

function modelTestSource(name: string, file: string): string {
  return `import test from 'ava';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { createDatabase } from '../../src/db/database.js';
import { databaseStarted } from '../../src/db/embedded-client.js';
import { Migrator } from '../../src/db/migrator.js';
import { ${name} } from '../../src/models/${file}.js';
import { createTestDatabase } from '../helpers/database.js';

test('${name} inserts and reads a row after the migrations', async (t) => {
  const database = await createTestDatabase();
  const logger = pino({ level: 'silent' });
  const db = createDatabase(loadConfig({ LOG_LEVEL: 'silent', ...database.env }), logger);
  try {
    // The embedded database starts in a process of its own: wait for it (at once on PostgreSQL).
    await databaseStarted(db);
    await new Migrator(db, logger).latest();
    const inserted = await ${name}.query(db).insert({ name: 'first' });
    const found = await ${name}.query(db).findById(inserted.id);
    t.is(found?.name, 'first');
    t.true(found?.createdAt instanceof Date);
  } finally {
    await db.destroy();
    await database.drop();
  }
});
`;
}
