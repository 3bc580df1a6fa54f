import http, { IncomingMessage, ServerResponse, STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Duplex } from 'node:stream';
import { Logger } from 'pino';
import { correlationIdOf, isValidTraceId, RequestFacts } from '../audit/accessRecords';
import { AuditRecorder } from '../audit/recorder';
import { HttpLimits } from '../config';
import { outcome } from '../fhir/outcome';
import { withSpineCodes } from '../fhir/spineCodes';
import { logRefused } from './accessLog';
import { FHIR_JSON } from './negotiation';
import { RETRY_AFTER_SECONDS } from './respond';

export interface FacadeServer {
  server: http.Server;
  /** Resolves once listening; rejects with a clear message when the port cannot be had. */
  listen(port: number, host?: string): Promise<void>;
  /**
   * Graceful stop. First, for shutdownDrainMs, readiness fails while everything is still served, so
   * a load balancer that polls /health/ready stops sending new requests here before connections are
   * refused. Then no new connections; requests in flight finish and are answered with
   * `Connection: close`; idle keep-alive connections are closed; whatever is still open after
   * shutdownTimeoutMs is destroyed. Resolves when every connection has gone.
   */
  shutdown(): Promise<void>;
  /** A second signal: ends the drain at once and cuts every connection still open. */
  hurry(): void;
  /** True from the moment shutdown() is called (the drain included): readiness answers 503 from then on. */
  readonly stopping: boolean;
}

export class ListenError extends Error {}

export interface ServerDeps {
  logger: Logger;
  /** Records the requests refused before the app sees them (the app's own recorder). */
  audit?: Pick<AuditRecorder, 'unroutedRequest'>;
}

/**
 * The HTTP server around the app, with the limits a public server needs. Node's graceful-close
 * primitives (close, closeIdleConnections, closeAllConnections, Node 19+) cover what libraries such
 * as http-terminator or stoppable were written for, so no library is needed for it.
 */
export function createFacadeServer(app: http.RequestListener, limits: HttpLimits, deps: ServerDeps): FacadeServer {
  const server = http.createServer(
    {
      // A client trickling its headers (or its body) is cut off after these, so it can hold neither a
      // connection nor a shutdown. Node checks them every connectionsCheckingInterval (30 s by
      // default, which would add up to 30 s to each).
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
      // Node's own refusal of an HTTP/1.1 request without Host is a bare 400, unaudited: answered below instead.
      requireHostHeader: false,
    },
    (req, res) => {
      if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined) {
        withoutHost(req, res, deps);
        return;
      }
      app(req, res);
    },
  );

  const inFlight = new Set<ServerResponse>();
  let closing = false;
  let draining = false;
  let endDrain: (() => void) | undefined;
  // Before the app's own listener: an answer the app sends at once (a health check) is sent with Connection: close too.
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    // A request that arrives while stopping (on a connection already open) is still answered, then the connection closes.
    if (closing) res.setHeader('Connection', 'close');
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });

  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    clientError(err, socket, deps);
  });

  let shutdown: Promise<void> | undefined;
  return {
    server,
    get stopping() {
      return draining || closing;
    },
    listen(port, host) {
      return new Promise<void>((resolve, reject) => {
        const failed = (err: NodeJS.ErrnoException) => {
          server.off('listening', listening);
          const where = host ? `${host}:${port}` : `port ${port}`;
          const why =
            err.code === 'EADDRINUSE' ? `${where} is already in use (another facade, or another program, is listening there)`
            : err.code === 'EACCES' ? `no permission to listen on ${where}`
            : err.code === 'EADDRNOTAVAIL' ? `${host} is not an address of this machine`
            : `cannot listen on ${where}: ${err.message}`;
          reject(Object.assign(new ListenError(why), { code: err.code }));
        };
        const listening = () => {
          server.off('error', failed);
          server.on('error', (err) => deps.logger.error({ err }, 'HTTP server error'));
          resolve();
        };
        server.once('error', failed);
        server.once('listening', listening);
        server.listen(port, host);
      });
    },
    shutdown() {
      // Without a drain the server stops taking connections at once, as it always has.
      shutdown ??= limits.shutdownDrainMs > 0 ? drain().then(close) : close();
      return shutdown;
    },
    hurry() {
      endDrain?.();
      // The close that follows the drain starts on the next tick: cut what it leaves open then.
      setImmediate(() => server.closeAllConnections());
    },
  };

  /** Serves on, with readiness failing, for the drain period. */
  function drain(): Promise<void> {
    draining = true;
    deps.logger.info({ drainMs: limits.shutdownDrainMs }, 'draining: readiness fails while requests are still served');
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, limits.shutdownDrainMs);
      endDrain = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  function close(): Promise<void> {
    return new Promise<void>((resolve) => {
      closing = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const deadline = setTimeout(() => {
        deps.logger.warn({ open: inFlight.size }, 'shutdown deadline reached: closing the connections still open');
        server.closeAllConnections();
      }, limits.shutdownTimeoutMs);
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}

/**
 * A request Node's parser refused before the app saw it (URL or headers too long, malformed HTTP,
 * headers or body too slow). Node's own answer is a bare status; callers of a FHIR server expect an
 * OperationOutcome, and the information-governance officer a record of the attempt.
 */
function clientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex, deps: ServerDeps) {
  // Node may report the same connection again (more bytes, its end) while the record is being written.
  if (refusing.has(socket)) return;
  const answering = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
  // A connection reset, or one whose answer has begun, has nobody to answer.
  if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  refusing.add(socket);
  // The parser has given up on the connection and the answer waits for the audit record: Node's own
  // handling of what comes next would end the connection first (a client that half-closes once it
  // has sent is closed at once) and lose the answer. Whatever else arrives is discarded.
  socket.removeAllListeners('data');
  socket.removeAllListeners('end');
  socket.on('data', () => undefined);
  socket.on('error', () => socket.destroy());
  const [status, code, text] =
    err.code === 'HPE_HEADER_OVERFLOW' ? [431, 'too-costly', 'The request line or headers are too large'] as const
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'timeout', 'The request was not received in time'] as const
    : [400, 'invalid', `The request is not valid HTTP (${(err.code ?? 'unknown').replace(/[^\w]/g, '')})`] as const;
  const requestId = randomUUID();
  const started = Date.now();
  const answer = (sent: number, body: string, extra = '') => {
    const bytes = line?.method === 'HEAD' ? 0 : Buffer.byteLength(body);
    // A connection opened and closed with nothing sent (a load balancer's TCP check) is not a request: debug only.
    const level = !line && !err.rawPacket?.length ? 'debug' : undefined;
    logRefused(deps.logger, { requestId, method: line?.method, path: line?.path ?? '', status: sent, ms: Date.now() - started, bytes }, level);
    // The client may have gone while the record was written.
    if (!socket.writable) return void socket.destroy();
    socket.end(
      `HTTP/1.1 ${sent} ${STATUS_CODES[sent]}\r\n` +
        `Content-Type: ${FHIR_JSON}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}` +
        `X-Request-ID: ${requestId}\r\nConnection: close\r\n\r\n${line?.method === 'HEAD' ? '' : body}`,
    );
  };
  const line = requestLine(err.rawPacket);
  // An answer to HEAD has no body (its Content-Length says what GET would have had): a client would read one as a second answer.
  const refusal = () => answer(status, JSON.stringify(withSpineCodes(outcome(code, text), status)));
  if (!deps.audit) return refusal();
  // A connection opened and closed with nothing sent is not a request.
  if (!line && err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && !err.rawPacket?.length) return refusal();
  const request: RequestFacts = { requestId, method: line?.method ?? 'UNKNOWN', path: line?.path ?? '', query: line?.query, headers: () => undefined };
  // As for every other request, the answer waits for its record; unrecorded, it is a 503 and nothing else.
  void recorded(deps, { request, status, description: text }, 'could not record a request refused by the HTTP parser').then((ok) =>
    ok ? refusal() : answer(503, UNRECORDED_BODY, `Retry-After: ${RETRY_AFTER_SECONDS}\r\n`),
  );
}

/** Connections refused by the parser whose answer is waiting for its audit record. */
const refusing = new WeakSet<Duplex>();

/**
 * How long an answer Node's parser forced waits for its audit record. The connection is in a bad
 * state (the parser has stopped reading it; a slow client is still holding it): it is not kept for
 * as long as a request's own statements may take.
 */
const PARSER_AUDIT_LIMIT_MS = 3_000;
const UNRECORDED_BODY = JSON.stringify(
  withSpineCodes(outcome('transient', 'The audit trail cannot be written just now, so nothing is served; try again shortly'), 503),
);

/** Whether the record was committed within the limit (a failure is logged). */
async function recorded(deps: ServerDeps, refused: Parameters<AuditRecorder['unroutedRequest']>[0], failure: string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the audit record was not written within ${PARSER_AUDIT_LIMIT_MS} ms`)), PARSER_AUDIT_LIMIT_MS);
  });
  try {
    await Promise.race([deps.audit!.unroutedRequest(refused), limit]);
    return true;
  } catch (err) {
    deps.logger.error({ err }, failure);
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** HTTP/1.1 requires Host (RFC 9112 3.2): refused as Node would, but as an OperationOutcome, and audited. */
function withoutHost(req: IncomingMessage, res: ServerResponse, deps: ServerDeps) {
  const given = single(req.headers['x-request-id']);
  const requestId = isValidTraceId(given) ? given : randomUUID();
  const correlationId = correlationIdOf((name) => single(req.headers[name]));
  const text = 'An HTTP/1.1 request must have a Host header';
  const line = requestLine(Buffer.from(`${req.method} ${req.url} HTTP/1.1`, 'latin1'));
  const started = Date.now();
  const answer = (status = 400) => {
    const body = status === 400 ? JSON.stringify(withSpineCodes(outcome('invalid', text), 400)) : UNRECORDED_BODY;
    logRefused(deps.logger, {
      requestId,
      correlationId,
      method: line?.method ?? req.method,
      path: line?.path ?? '',
      status,
      ms: Date.now() - started,
      bytes: req.method === 'HEAD' ? 0 : Buffer.byteLength(body),
    });
    res.writeHead(status, {
      ...(correlationId ? { 'X-Correlation-ID': correlationId } : {}),
      'Content-Type': FHIR_JSON,
      'Content-Length': Buffer.byteLength(body),
      'X-Request-ID': requestId,
      Connection: 'close',
      ...(status === 503 ? { 'Retry-After': String(RETRY_AFTER_SECONDS) } : {}),
    });
    res.end(body);
  };
  if (!deps.audit) return answer();
  const header = (name: string) => {
    const v = req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  // As for every other request, the answer waits for its record; unrecorded, it is a 503 and nothing else.
  const request: RequestFacts = { requestId, method: line?.method ?? req.method ?? 'UNKNOWN', path: line?.path ?? '', query: line?.query, headers: header };
  void recorded(deps, { request, status: 400, description: text }, 'could not record a request without Host').then((ok) => answer(ok ? 400 : 503));
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The method, path and query of what was received, as far as it can be read (it may be cut short). */
function requestLine(raw: Buffer | undefined): { method: string; path: string; query?: string } | undefined {
  if (!raw?.length) return undefined;
  const first = raw.subarray(0, 8192).toString('latin1').split('\r\n', 1)[0];
  const m = /^([A-Z]{1,20}) (\S+)/.exec(first);
  if (!m) return undefined;
  // Kept to a length the trail can hold; control characters cannot be stored or shown safely.
  const clean = (s: string) => s.slice(0, 2000).replace(/[\x00-\x1f\x7f]/g, '\uFFFD');
  const [path, query] = m[2].split(/\?(.*)/s, 2);
  return { method: m[1], path: clean(path), query: query === undefined ? undefined : clean(query) };
}
