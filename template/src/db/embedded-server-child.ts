/**
 * The embedded database's own process (forked by embedded-server.ts): opens
 * PGlite on the data directory given as its argument and serves it on a free
 * loopback port. Its whole life is tied to the parent's through the IPC channel:
 * it reports `ready` (with the port) or `failed` (with one line), closes
 * PGlite cleanly on `stop`, and does the same when the channel closes because
 * the parent died, even by SIGKILL.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ChildMessage, ParentMessage } from './embedded-protocol.js';
import { createWireServer, type WireServer } from './wire-server.js';

const dataDir = process.argv[2] ?? 'memory://';
let db: PGlite | undefined;
let server: WireServer | undefined;
let stopping: Promise<void> | undefined;

const send = (message: ChildMessage) => process.send?.(message);

/**
 * Opens the database. A new data directory is created under a temporary
 * name and renamed once PGlite has written it whole, so a start stopped
 * half-way (SIGKILL, a crash) never leaves a directory that looks like a
 * database and is not: the next start begins again.
 */
async function open(): Promise<PGlite> {
  if (dataDir.startsWith('memory://') || existsSync(path.join(dataDir, 'PG_VERSION'))) return PGlite.create(dataDir);
  const partial = `${path.resolve(dataDir)}.initializing`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(path.dirname(partial), { recursive: true });
  const fresh = await PGlite.create(partial);
  await fresh.close();
  // An empty directory left by an older version (or made by hand) gives way to the new one.
  await rmdir(dataDir).catch(() => {});
  await rename(partial, dataDir);
  return PGlite.create(dataDir);
}

async function start(): Promise<void> {
  db = await open();
  if (stopping) return;
  server = createWireServer(db);
  send({ type: 'ready', port: await server.listen() });
}

/** Ends the sessions, then closes PGlite, which writes what it holds to its files. */
function stop(): Promise<void> {
  stopping ??= (async () => {
    await server?.close();
    await db?.close();
  })();
  return stopping;
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') void stop().then(() => process.exit(0));
});
// The parent is gone (exited, crashed or killed): nobody will use the database again.
process.on('disconnect', () => void stop().then(() => process.exit(0)));
// A terminal's Ctrl-C reaches the whole process group: the parent decides when this process stops.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

try {
  await start();
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.send?.({ type: 'failed', message: message.split('\n')[0] || 'unknown error' } satisfies ChildMessage, () =>
    process.exit(1),
  );
}
