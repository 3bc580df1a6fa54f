import pino, { DestinationStream, Logger } from 'pino';

/**
 * The one place the facade's logger is made (main, the app, the command-line tools).
 *
 * Logs leave the facade's protection: they go to files, log shippers and support tickets, and are
 * kept by other rules than the audit trail. So nothing a caller sent, and nothing read from the
 * records, may reach them. Two things quote such data:
 * - database errors: PostgreSQL's `detail` ("Failing row contains (... Thornton ...)", "Key
 *   (nhs_number)=(...)"), `where`, `hint`, and messages that quote the value they refused
 *   (`invalid input syntax for type date: "..."`);
 * - request bodies, kept by Express's parsers on their errors (`body`), and notices themselves.
 * Errors are therefore logged through an allow-list (what kind of failure, where in the code: code,
 * constraint, table, routine, stack) with quoted text in messages masked, and paths that hold
 * bodies, parameters or credentials are removed wherever they appear.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    // ISO 8601 in UTC rather than epoch milliseconds: read by people in a support ticket, and by
    // every log shipper without a parsing rule.
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: errorForLog, error: errorForLog },
    redact: { paths: REDACTED, remove: true },
  };
  return destination ? pino(options, destination) : pino(options);
}

const REDACTED = [
  'body',
  '*.body',
  'req.body',
  'detail',
  '*.detail',
  'where',
  '*.where',
  'hint',
  '*.hint',
  'parameters',
  '*.parameters',
  'params',
  '*.params',
  'values',
  '*.values',
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'client_assertion',
  '*.client_assertion',
];

/** Fields of an error that say what failed and where, never with what data. */
const KEPT = ['code', 'errno', 'syscall', 'severity', 'constraint', 'table', 'column', 'schema', 'dataType', 'routine', 'status', 'statusCode'] as const;

/** Text between quotes is where messages put the values they refused. */
export function maskQuoted(text: string): string {
  return text.replace(/"[^"\n]*"/g, '"…"').replace(/'[^'\n]*'/g, "'…'");
}

export function errorForLog(err: unknown, depth = 0): Record<string, unknown> {
  if (!(err instanceof Error) && (typeof err !== 'object' || err === null)) {
    return { type: typeof err, message: maskQuoted(String(err)) };
  }
  const e = err as Error & Record<string, unknown>;
  const type = e.constructor?.name ?? 'Object';
  const out: Record<string, unknown> = { type };
  if (typeof e.message === 'string') out.message = maskQuoted(e.message);
  if (typeof e.stack === 'string') {
    // The stack's first lines repeat the message: masked the same way, the frames kept as they are.
    const frames = e.stack.search(/\n\s+at /);
    out.stack = frames < 0 ? maskQuoted(e.stack) : maskQuoted(e.stack.slice(0, frames)) + e.stack.slice(frames);
  }
  for (const key of KEPT) {
    const v = e[key];
    if (typeof v === 'string' || typeof v === 'number') out[key] = typeof v === 'string' ? v.slice(0, 200) : v;
  }
  // Express's body-parser errors say which refusal it was (entity.parse.failed, entity.too.large).
  if (typeof e.type === 'string') out.kind = e.type.slice(0, 100);
  if (depth < 3) {
    if (e.cause !== undefined) out.cause = errorForLog(e.cause, depth + 1);
    if (Array.isArray(e.errors)) out.errors = e.errors.slice(0, 5).map((x) => errorForLog(x, depth + 1));
  }
  return out;
}

/** Keys whose values are secrets whatever they hold. */
const SECRET_KEY = /pass(word)?|secret|credential|private|token$/i;

/**
 * The effective configuration as the startup line shows it: everything an operator needs to see
 * what the facade runs with (file paths included), with secrets left out: a password in a
 * connection string (user:password@ or ?password=), and any value under a key that names a
 * secret. Key files are named by path; their contents are never read into the configuration.
 */
export function configForLog(config: object): Record<string, unknown> {
  return redactSecrets(config) as Record<string, unknown>;
}

function redactSecrets(value: unknown, key = ''): unknown {
  if (value === undefined || value === null) return value;
  if (SECRET_KEY.test(key) && typeof value !== 'object') return '[redacted]';
  if (typeof value === 'string') return withoutUrlSecrets(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v));
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return value;
}

/** A URL with its password (in the authority or the query) replaced; any other text as it is. */
export function withoutUrlSecrets(text: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not parseable, but it may still hold user:password@: cut what sits between : and @.
    return text.replace(/(\/\/[^:/@]*):[^@/]*@/, '$1:***@');
  }
  const secrets = [...url.searchParams.keys()].filter((name) => SECRET_KEY.test(name));
  // Nothing to hide: the text as configured (URL's own form would add a trailing slash to an origin).
  if (!url.password && secrets.length === 0) return text;
  if (url.password) url.password = '***';
  for (const name of secrets) url.searchParams.set(name, '***');
  return url.toString();
}
