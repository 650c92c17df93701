import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

/** Codes of the untyped messages a client may send first (PostgreSQL's protocol, "Message Formats"). */
const PROTOCOL_3 = 196_608;
const SSL_REQUEST = 80_877_103;
const GSSENC_REQUEST = 80_877_104;
/** Sync: ends an extended-protocol batch, and so any error state a client left behind. */
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4);

/**
 * Serves one PGlite over the PostgreSQL wire protocol on a TCP server, so
 * that `pg` talks to it exactly as to PostgreSQL: same messages, same
 * errors and SQLSTATE codes.
 *
 * PGlite is a single backend, so one client is served at a time; a client
 * that connects meanwhile waits, as in a server's accept queue, until the one
 * before it disconnects. A disconnect ends the session as PostgreSQL would:
 * its open transaction is rolled back and its session state (settings,
 * prepared statements, temporary tables, advisory locks) is discarded.
 *
 * (`@electric-sql/pglite-socket` does the same with several clients
 * multiplexed; its releases pin PGlite and eight extensions to exact peer
 * versions, which npm cannot install beside a newer PGlite.)
 */
export interface WireServer {
  /** Listens on a free loopback port; resolves with the port. */
  listen(): Promise<number>;
  /** Stops accepting, ends every session, and resolves once PGlite is idle. */
  close(): Promise<void>;
}

export function createWireServer(db: PGlite): WireServer {
  const sockets = new Set<net.Socket>();
  let turn: Promise<void> = Promise.resolve();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    // Waiting in line: what it sends stays in the socket's buffers until its turn comes.
    socket.pause();
    turn = turn.then(() => serve(db, socket));
  });
  return {
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      }),
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await Promise.all([closed, turn]);
    },
  };
}

/** Serves one client to its end; resolves once the session is cleaned up. */
function serve(db: PGlite, socket: net.Socket): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let started = false;
    let work = Promise.resolve();
    let ended = false;

    const end = () => {
      if (ended) return;
      ended = true;
      socket.destroy();
      work = work.then(() => resetSession(db)).then(resolve, resolve);
    };

    const handle = async (message: Buffer) => {
      const reply = await db.execProtocolRaw(message);
      if (reply.length > 0 && !socket.destroyed) socket.write(reply);
    };

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (length < 8) return end(); // not PostgreSQL's protocol
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const startup = Buffer.from(buffer.subarray(0, length));
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
            socket.write('N'); // no encryption on the loopback: the client goes on in plain text
            continue;
          }
          // A CancelRequest (PGlite has no second backend to run it on), or an
          // unknown protocol version: the connection is closed, as PostgreSQL does.
          if (code !== PROTOCOL_3) return end();
          started = true;
          work = work.then(() => handle(startup)).catch(end);
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (length < 5) return end(); // not PostgreSQL's protocol
        if (buffer.length < length) return;
        const message = Buffer.from(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        // Terminate: the session ends here; PGlite's backend must not.
        if (message[0] === 0x58) return end();
        work = work.then(() => handle(message)).catch(end);
      }
    });
    socket.on('error', end);
    socket.on('close', end);
    socket.resume();
  });
}

/** What PostgreSQL does when a session ends: nothing of it outlives it. */
async function resetSession(db: PGlite): Promise<void> {
  await db.execProtocolRaw(SYNC);
  if (db.isInTransaction()) await db.exec('rollback');
  await db.exec('discard all');
}
