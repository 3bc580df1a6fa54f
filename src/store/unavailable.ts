/**
 * Whether a failure means the store cannot be reached or cannot serve just now (the database is
 * down, restarting, out of connections, or cancelled the statement; the embedded store's thread
 * has stopped), as opposed to a fault in the request or the code. The edges answer these with 503
 * and Retry-After: the caller should try again later, and nothing is wrong with what it sent.
 * One list for every edge (the FHIR API, the token endpoint), so they answer the same failure alike.
 */

/** Socket-level failures reaching PostgreSQL (Node's system error codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

/**
 * PostgreSQL SQLSTATEs (Appendix A of its manual): 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up or in recovery), 53300 too_many_connections, 57014
 * query_canceled (a statement timeout, or a cancel), 3D000 invalid_catalog_name (the database
 * has gone from under a running facade). Class 08, connection exceptions, is matched by prefix.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '3D000']);

/**
 * Failures node-postgres and its pool report without a code (their message texts are stable API
 * in practice: pg's client.js and pg-pool's index.js), and those of the embedded store's thread
 * (pgliteThread.ts) once it has stopped.
 */
const MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
  /^Query read timeout$/,
  /^the embedded store's thread (has stopped|failed|exited)/,
];

export function isStoreUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
  // AggregateError (a connection refused on every address of a host) and errors wrapping a cause.
  const nested = (err as { errors?: unknown[]; cause?: unknown });
  if (Array.isArray(nested.errors) && nested.errors.length > 0 && nested.errors.every(isStoreUnavailable)) return true;
  return nested.cause !== undefined && nested.cause !== err && isStoreUnavailable(nested.cause);
}
