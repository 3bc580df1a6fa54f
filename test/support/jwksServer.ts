import http from 'node:http';
import { AddressInfo } from 'node:net';

export interface JwksServer {
  /** The JWKS URL (http://127.0.0.1:<port>/jwks.json). */
  url: string;
  /** What it serves from now on: a JWKS (or any body) and extra headers (Cache-Control ...). */
  serve(body: unknown, headers?: Record<string, string>, status?: number): void;
  /** Requests it has answered. */
  hits: number;
  /** The Accept header of the last request. */
  lastAccept?: string;
  close(): Promise<void>;
}

/** A local HTTP server publishing a JWKS, as a client's jwks_uri or an identity provider would. */
export async function startJwksServer(): Promise<JwksServer> {
  let body: unknown = { keys: [] };
  let headers: Record<string, string> = {};
  let status = 200;
  const state: JwksServer = {
    url: '',
    hits: 0,
    serve(b, h = {}, s = 200) {
      body = b;
      headers = h;
      status = s;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    state.hits++;
    state.lastAccept = req.headers.accept;
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  return state;
}
