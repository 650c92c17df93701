import net from 'node:net';

/**
 * - `forward`: pass bytes both ways to the target;
 * - `blackhole`: accept connections and swallow every byte, never answering
 *   (a database that hangs);
 * - `refuse`: stop listening, so connections are refused (a database that is down).
 */
export type ProxyMode = 'forward' | 'blackhole' | 'refuse';

/** A TCP proxy in front of a database, whose failure mode a test sets. */
export class TcpProxy {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  #mode: ProxyMode = 'forward';
  port = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
  }

  /** Listens on a free loopback port (the same one again after `refuse`). */
  async start(mode: ProxyMode = 'forward'): Promise<this> {
    this.#mode = mode;
    if (mode === 'refuse') return this;
    const server = net.createServer((client) => this.#accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    return this;
  }

  get mode(): ProxyMode {
    return this.#mode;
  }

  /**
   * Changes the mode; existing connections are cut, as when a database fails
   * over, unless `cut` is false: then they stay as they were (hung, in
   * `blackhole`), as when a network partition heals.
   */
  async setMode(mode: ProxyMode, { cut = true } = {}): Promise<void> {
    this.#mode = mode;
    if (cut) for (const socket of this.#sockets) socket.destroy();
    if (mode === 'refuse') {
      await this.#close();
    } else if (!this.#server) {
      await this.start(mode);
    }
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await this.#close();
  }

  #accept(client: net.Socket): void {
    this.#track(client);
    if (this.#mode === 'blackhole') {
      client.resume();
      return;
    }
    const upstream = net.connect(this.#target.port, this.#target.host);
    this.#track(upstream);
    client.pipe(upstream).pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  }

  #track(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.#sockets.delete(socket));
  }

  async #close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
