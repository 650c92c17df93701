import { PGlite } from '@electric-sql/pglite';
import anyTest, { type TestFn } from 'ava';
import pg from 'pg';
import { databaseErrorKind } from '../../src/db/error-kind.js';
import { createWireServer, type WireServer } from '../../src/db/wire-server.js';
import { errorType } from '../../src/metrics/error-metrics.js';

/**
 * PGlite served over the PostgreSQL protocol, as the embedded database's
 * process serves it: pg sees PostgreSQL's own errors, and a session ends as
 * on PostgreSQL (nothing of it outlives its connection).
 */
interface Context {
  db: PGlite;
  server: WireServer;
  port: number;
}
const test = anyTest as TestFn<Context>;

test.before(async (t) => {
  const db = await PGlite.create('memory://');
  const server = createWireServer(db);
  t.context = { db, server, port: await server.listen() };
  await db.exec('create table wire_items (id integer primary key, name text not null)');
});

test.after.always(async (t) => {
  await t.context.server?.close();
  await t.context.db?.close();
});

async function connect(t: { context: Context; teardown(fn: () => unknown): void }): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: t.context.port, user: 'postgres', database: 'postgres' });
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));
  return client;
}

test.serial("errors are pg's DatabaseError with PostgreSQL's SQLSTATE, classified as on PostgreSQL", async (t) => {
  const client = await connect(t);
  await client.query('insert into wire_items values (1, $1)', ['one']);

  const duplicate = await t.throwsAsync(client.query('insert into wire_items values (1, $1)', ['again']));
  t.true(duplicate instanceof pg.DatabaseError);
  t.like(duplicate, { code: '23505' });
  t.is(errorType(duplicate), 'DatabaseError');
  t.is(databaseErrorKind(duplicate), 'unique');

  const notNull = await t.throwsAsync(client.query('insert into wire_items values (2, null)'));
  t.like(notNull, { code: '23502' });
  t.is(databaseErrorKind(notNull), 'not-null');

  const syntax = await t.throwsAsync(client.query('selec 1'));
  t.like(syntax, { code: '42601' });
  t.is(errorType(syntax), 'DatabaseError');
  t.is(databaseErrorKind(syntax), undefined);

  // The connection is still usable after errors, in the extended protocol too.
  t.deepEqual((await client.query('select count(*)::int as n from wire_items where id = $1', [1])).rows, [{ n: 1 }]);
});

test.serial('a session that ends leaves no open transaction and no settings behind', async (t) => {
  const first = await connect(t);
  await first.query("set application_name = 'left-behind'");
  await first.query('begin');
  await first.query('insert into wire_items values (10, $1)', ['uncommitted']);
  await first.end();

  const second = await connect(t);
  t.deepEqual((await second.query('select count(*)::int as n from wire_items where id = 10')).rows, [{ n: 0 }]);
  t.not((await second.query('show application_name')).rows[0]?.application_name, 'left-behind');
  await second.query('insert into wire_items values (10, $1)', ['committed']);
});

test.serial('a second client waits for the first to disconnect, then is served', async (t) => {
  const first = await connect(t);
  await first.query('begin');
  await first.query('insert into wire_items values (20, $1)', ['first']);

  let secondConnected = false;
  const second = new pg.Client({ host: '127.0.0.1', port: t.context.port, user: 'postgres', database: 'postgres' });
  t.teardown(() => second.end().catch(() => {}));
  const connecting = second.connect().then(() => (secondConnected = true));
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.false(secondConnected, 'served while another session held the database');

  await first.query('commit');
  await first.end();
  await connecting;
  t.deepEqual((await second.query('select name from wire_items where id = 20')).rows, [{ name: 'first' }]);
});
