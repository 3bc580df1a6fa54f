import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createPostgresDatabase, describeWithPostgres, POSTGRES_AVAILABLE, TestDatabase } from '../support/stores';
import { parseRawAnswer, sendRaw } from '../support/facadeProcess';
import { Facade, freePort, HOST, MAIN, preparedDataDir, requireBuild, run, sleep, startFacade } from '../runtime/processes';

/** Sends the bytes and reads until the server closes the connection, as it must after these answers (Connection: close). */
const exchange = (port: number, bytes: string, timeoutMs = 5_000) => sendRaw(port, Buffer.from(bytes, 'latin1'), { timeoutMs, untilClose: true, halfClose: false });
const parseAnswer = (text: string) => parseRawAnswer(Buffer.from(text, 'latin1'));

/**
 * The HTTP server of a running facade (node dist/main.js): a port already taken stops it; SIGTERM
 * drains it; slow clients cannot hold it; what Node's parser refuses is answered and audited.
 */
let db: TestDatabase | undefined;
let dir: string;
beforeAll(async () => {
  await requireBuild();
  if (POSTGRES_AVAILABLE) db = await createPostgresDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'facade-server-'));
  // A stale dist/ is rebuilt first, which on a busy machine takes longer than a hook's default.
}, 180_000);
afterAll(async () => {
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});
const pgEnv = () => ({ DATABASE_URL: db!.url!, DATA_DIR: dir });

describeWithPostgres('a port already in use', () => {
  it('is a clear error and a non-zero exit, not "ready"', async () => {
    const port = await freePort();
    const taken = net.createServer().listen(port, HOST);
    await new Promise((r) => taken.once('listening', r));
    try {
      const child = run(MAIN, { ...pgEnv(), PORT: String(port), SANDBOX_DATA: 'off' });
      const end = await child.exited(15_000);
      expect(end.code).toBe(1);
      expect(child.output()).toContain(`port ${port} is already in use`);
      expect(child.output()).not.toContain('facade ready');
    } finally {
      taken.close();
    }
  }, 30_000);
});

/** Opens a connection and sends a request's head; the rest is up to the test. */
function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, HOST, () => resolve(s));
    s.once('error', reject);
  });
}

function collect(socket: net.Socket): { text: () => string; closed: Promise<number> } {
  let text = '';
  socket.on('data', (d) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  return { text: () => text, closed };
}

describeWithPostgres('graceful shutdown', () => {
  it('finishes the request in flight with Connection: close, closes idle keep-alive connections, cuts off a trickler at the deadline, exits 0', async () => {
    const facade = await startFacade({ ...pgEnv(), SHUTDOWN_TIMEOUT_SECONDS: '3', HTTP_HEADERS_TIMEOUT_SECONDS: '60', HTTP_REQUEST_TIMEOUT_SECONDS: '120' });
    // An idle keep-alive connection: one request answered, the connection left open.
    const idle = await connect(facade.port);
    const idleSeen = collect(idle);
    idle.write(`GET /fhir/metadata HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    while (!idleSeen.text().includes('"CapabilityStatement"')) await sleep(20);
    // A request in flight: its head sent, its body not yet.
    const body = 'grant_type=client_credentials&scope=system%2FPatient.rs';
    const busy = await connect(facade.port);
    const busySeen = collect(busy);
    busy.write(`POST /auth/token HTTP/1.1\r\nHost: ${HOST}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    // A client trickling its headers.
    const trickler = await connect(facade.port);
    const trickleSeen = collect(trickler);
    trickler.write('GET /fhir/metadata HTTP/1.1\r\n');
    const trickle = setInterval(() => trickler.writable && trickler.write('X'), 200);
    await sleep(300);

    const stoppedAt = Date.now();
    facade.proc.kill('SIGTERM');
    // The idle connection is closed promptly.
    expect((await idleSeen.closed) - stoppedAt).toBeLessThan(1_500);
    // The listener is closed: no new connections.
    await sleep(200);
    await expect(connect(facade.port)).rejects.toThrow(/ECONNREFUSED/);
    // The request in flight is completed and answered, and its connection closed after it.
    busy.write(body.slice(10));
    await busySeen.closed;
    const answer = parseAnswer(busySeen.text());
    expect(answer.status).toBe(400);
    expect(answer.headers.connection).toBe('close');
    // The trickler is cut off at the deadline (3 s), and the process exits 0 soon after.
    await trickleSeen.closed;
    clearInterval(trickle);
    const end = await facade.exited(10_000);
    expect(end).toEqual({ code: 0, signal: null });
    expect(Date.now() - stoppedAt).toBeLessThan(6_000);
    expect(facade.output()).toContain('shutdown deadline reached');
  }, 40_000);
});

// The embedded store needs no PostgreSQL: this runs wherever the tests run.
describe('graceful shutdown, embedded store', () => {
  it('releases its data directory', async () => {
    const prepared = await preparedDataDir('shutdown');
    try {
      const facade = await startFacade({ DATA_DIR: prepared.dataDir });
      const keptAlive = await connect(facade.port);
      const seen = collect(keptAlive);
      keptAlive.write(`GET /fhir/metadata HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
      while (!seen.text().includes('"CapabilityStatement"')) await sleep(20);
      facade.proc.kill('SIGINT');
      await seen.closed;
      expect(await facade.exited(10_000)).toEqual({ code: 0, signal: null });
      // Closed cleanly: the next start opens the directory at once.
      const next = await startFacade({ DATA_DIR: prepared.dataDir });
      next.proc.kill('SIGTERM');
      expect((await next.exited(10_000)).code).toBe(0);
    } finally {
      prepared.remove();
    }
  }, 60_000);
});

describeWithPostgres('slow clients', () => {
  let facade: Facade;
  beforeAll(async () => {
    facade = await startFacade({ ...pgEnv(), HTTP_HEADERS_TIMEOUT_SECONDS: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '2' });
  }, 30_000);
  afterAll(async () => {
    facade.proc.kill('SIGTERM');
    await facade.exited(15_000);
  });

  it('a client trickling its headers is answered 408 (an OperationOutcome) and disconnected within the headers timeout', async () => {
    const socket = await connect(facade.port);
    const seen = collect(socket);
    const started = Date.now();
    socket.write('GET /fhir/metadata HTTP/1.1\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X'), 100);
    const closedAt = await Promise.race([seen.closed, sleep(8_000).then(() => 0)]);
    clearInterval(trickle);
    socket.destroy();
    expect(closedAt).toBeGreaterThan(0);
    expect(closedAt - started).toBeLessThan(3_500);
    const answer = parseAnswer(seen.text());
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'timeout', details: spine('FAILURE_TO_PROCESS_MESSAGE', 'Failure to process message') }] });
  }, 15_000);
});

/** The NHS Spine error code an issue of a refusal carries. */
const spine = (code: string, display: string) => ({ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/Spine-ErrorOrWarningCode', code, display }] });

/** Refusals made before the app sees the request: by Node's parser, and for want of Host. */
const refused = [
  ['malformed HTTP', 'GET /fhir/metadata HTTP/1.1\r\nHost x\r\n\r\n'],
  ['over-long headers', `GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Padding: ${'b'.repeat(20_000)}\r\n\r\n`],
  ['HTTP/1.1 without Host', 'GET /fhir/Patient?identifier=9990000018 HTTP/1.1\r\n\r\n'],
] as const;

describeWithPostgres('requests the HTTP parser refuses', () => {
  let facade: Facade;
  beforeAll(async () => {
    facade = await startFacade(pgEnv());
  }, 30_000);
  afterAll(async () => {
    facade.proc.kill('SIGTERM');
    await facade.exited(15_000);
  });

  async function auditedStatuses(): Promise<{ http_status: number; method: string; path: string; outcome: string; outcome_description: string }[]> {
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    try {
      return (await c.query("SELECT http_status, method, path, outcome, outcome_description FROM audit_events WHERE http_status IN (400, 431) AND outcome_description LIKE 'The request%' ORDER BY recorded")).rows;
    } finally {
      await c.end();
    }
  }

  async function auditedStatusOf(requestId: string): Promise<number | undefined> {
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    try {
      return (await c.query('SELECT http_status FROM audit_events WHERE request_id = $1', [requestId])).rows[0]?.http_status;
    } finally {
      await c.end();
    }
  }

  it.each([
    ['an over-long URL', `GET /fhir/Patient?name=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, 'too-costly', 'TOO_MANY_VALUES_SUBMITTED'],
    ['over-long headers', `GET /fhir/metadata HTTP/1.1\r\nHost: x\r\nX-Padding: ${'b'.repeat(20_000)}\r\n\r\n`, 431, 'too-costly', 'TOO_MANY_VALUES_SUBMITTED'],
    ['malformed HTTP', 'GET /fhir/metadata HTTP/1.1\r\nHost x\r\n\r\n', 400, 'invalid', 'INVALID_VALUE'],
    ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400, 'invalid', 'INVALID_VALUE'],
    ['HTTP/1.1 without Host', 'GET /fhir/Patient?identifier=9990000018 HTTP/1.1\r\nX-Request-ID: no-host-1\r\n\r\n', 400, 'invalid', 'INVALID_VALUE'],
  ])('%s is answered with an OperationOutcome, Connection: close', async (_what, bytes, status, code, spineCode) => {
    const answer = await exchange(facade.port, bytes);
    expect(answer.closed).toBe(true);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect(answer.headers.connection).toBe('close');
    expect(answer.headers['x-request-id']).toMatch(/^([0-9a-f-]{36}|no-host-1)$/);
    const displays: Record<string, string> = { TOO_MANY_VALUES_SUBMITTED: 'Too many values submitted', INVALID_VALUE: 'Invalid value' };
    expect(JSON.parse(answer.body.toString())).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: spine(spineCode, displays[spineCode]) }] });
    // Recorded before it was answered, as every other request is: no waiting for it here.
    expect(await auditedStatusOf(String(answer.headers['x-request-id']))).toBe(status);
  });

  it('and each is in the audit trail', async () => {
    const rows = await auditedStatuses();
    expect(rows.map((r) => r.http_status).sort()).toEqual([400, 400, 431, 431]);
    expect(rows.every((r) => r.outcome === '4')).toBe(true);
    expect(rows.find((r) => r.outcome_description === 'The request line or headers are too large')).toBeDefined();
    expect(rows.some((r) => r.method === 'GET' && r.path === '/fhir/metadata')).toBe(true);
    const c = new Client({ connectionString: db!.url });
    await c.connect();
    try {
      const noHost = (await c.query("SELECT http_status, interaction, path, query, nhs_numbers FROM audit_events WHERE request_id = 'no-host-1'")).rows;
      expect(noHost).toEqual([{ http_status: 400, interaction: 'search', path: '/fhir/Patient', query: 'identifier=9990000018', nhs_numbers: ['9990000018'] }]);
    } finally {
      await c.end();
    }
  });

  // (Only the parser's refusals: for a request Node parsed, a half-close ends the connection before any answer, Node's own behaviour.)
  it.each(refused.slice(0, 2))('%s: a client that half-closes once it has sent still gets its answer', async (_what, bytes) => {
    const answer = await sendRaw(facade.port, Buffer.from(bytes, 'latin1'), { halfClose: true });
    expect(answer.error).toBeUndefined();
    expect([400, 431]).toContain(answer.status);
    expect(await auditedStatusOf(String(answer.headers['x-request-id']))).toBe(answer.status);
  });

  it.each(refused)('%s: the answer waits for its audit record when writing it is slow', async (_what, bytes) => {
    const locker = new Client({ connectionString: db!.url });
    await locker.connect();
    try {
      // INSERTs wait for this lock; reads do not.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE audit_events IN EXCLUSIVE MODE');
      const released = sleep(1_000).then(() => locker.query('COMMIT'));
      const answer = await exchange(facade.port, bytes);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(await auditedStatusOf(String(answer.headers['x-request-id']))).toBe(answer.status);
      await released;
    } finally {
      await locker.end();
    }
  }, 15_000);
});

describeWithPostgres('requests the HTTP parser refuses, when the audit trail cannot be written', () => {
  let facade: Facade;
  let admin: Client;
  beforeAll(async () => {
    facade = await startFacade(pgEnv());
    admin = new Client({ connectionString: db!.url });
    await admin.connect();
  }, 30_000);
  afterAll(async () => {
    facade.proc.kill('SIGTERM');
    await facade.exited(15_000);
    await admin.end();
  });

  function expectUnrecorded(answer: Awaited<ReturnType<typeof exchange>>) {
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toMatch(/^\d+$/);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body.toString())).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient', details: spine('UNABLE_TO_CALL_SERVICE', 'Unable to call service') }] });
  }

  it.each(refused)('%s: an INSERT that fails is answered 503 with Retry-After, not the refusal', async (_what, bytes) => {
    await admin.query(`CREATE OR REPLACE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit trail unwritable (test)'; END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit()`);
    try {
      const answer = await exchange(facade.port, bytes);
      expect(answer.closed).toBe(true);
      expectUnrecorded(answer);
    } finally {
      await admin.query('DROP TRIGGER refuse_audit ON audit_events');
    }
  }, 15_000);

  it.each(refused)('%s: an INSERT that hangs (the table locked) is answered 503 within a few seconds', async (_what, bytes) => {
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
    try {
      const started = Date.now();
      const answer = await exchange(facade.port, bytes, 8_000);
      expect(answer.closed).toBe(true);
      expectUnrecorded(answer);
      // Shorter than the statement timeout (10 s): the connection is not held as long as a request's statements may be.
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await admin.query('ROLLBACK');
    }
  }, 20_000);
});
