import net from 'node:net';

/**
 * A TCP relay to PostgreSQL that a test can break as the database or the network would: cut (a
 * stopped server: open connections are reset, new ones refused since nothing listens on its port
 * any more) or freeze (a server stopped with SIGSTOP, or a network dropping packets: connections
 * stay open, nothing passes either way, new ones are accepted and hang).
 */
export interface TcpProxy {
  port: number;
  /** Rewrites a connection string to go through the relay. */
  url(connectionString: string): string;
  cut(): Promise<void>;
  /** After cut(): listens again on the same port, passing traffic as before. */
  restore(): Promise<void>;
  freeze(): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  const hold = (s: net.Socket) => {
    // Unread bytes stay in the kernel's buffers, as they would for a process that no longer reads.
    s.unpipe();
    s.pause();
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    if (frozen) {
      hold(client);
      hold(upstream);
      return;
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (connectionString) => {
      const u = new URL(connectionString);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.resetAndDestroy();
      await closed;
    },
    restore: () => {
      frozen = false;
      return new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    freeze: () => {
      frozen = true;
      for (const s of sockets) hold(s);
    },
    close: () => {
      for (const s of sockets) s.resetAndDestroy();
      return new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
    },
  };
}
