/** What the embedded database's process tells the service (embedded-server-child.ts → embedded-server.ts). */
export type ChildMessage =
  /** PGlite is open and served on this loopback port. */
  | { type: 'ready'; port: number }
  /** PGlite could not open (a corrupt or unreadable data directory…): one line, the process then exits 1. */
  | { type: 'failed'; message: string };

/** What the service tells it: close PGlite and exit. */
export type ParentMessage = { type: 'stop' };
