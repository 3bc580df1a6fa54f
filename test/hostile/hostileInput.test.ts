import { Bundle, Communication, Resource, Task } from '@medplum/fhirtypes';
import {
  Answer,
  auditedRequestIds,
  curlOf,
  expiredTokenLike,
  getToken,
  nameToken,
  sendHttp,
  sendRaw,
  StoreKind,
  useRunningFacade,
} from '../support/facadeProcess';
import { DRIVERS } from '../support/stores';
import { buildCorpus, Caller, CorpusContext, HostileRequest, Identifier, KNOWN_NHS, makeNotice } from './corpus';

/**
 * Hostile input against a running facade (`node dist/main.js`), on each store: a seeded corpus of
 * mutated notices, hostile searches, odd headers, broken token requests and malformed HTTP, sent
 * with bounded concurrency. The facade must answer each with a success or a 4xx that says why (an
 * OperationOutcome under /fhir, OAuth error JSON under /auth), never a 5xx; every answered request
 * to /fhir or the token endpoint must be in the audit trail; and the second hospital (RX2) must never
 * see anything of the first's (RX1's) notices, whose contents carry unique markers.
 *
 * HOSTILE_SEED changes the corpus; HOSTILE_BUDGET_SECONDS bounds the sending (default 300 s; the whole corpus must be sent within it).
 */

const SEED = Number(process.env.HOSTILE_SEED ?? 20261123);
const CONCURRENCY = 12;
const BUDGET_MS = Number(process.env.HOSTILE_BUDGET_SECONDS ?? 300) * 1000;
const EXAMPLES = 20;
const OUTSIDERS: ReadonlySet<Caller> = new Set(['rx2', 'portal', 'anon', 'bogus']);

const RX1_SCOPE = 'system/Patient.rs system/CarePlan.rs system/Flag.rs system/CareTeam.rs system/Organization.rs system/Practitioner.rs system/PractitionerRole.rs system/RelatedPerson.rs system/Procedure.rs system/Communication.crs system/Task.rs';

interface Outcome {
  req: HostileRequest;
  answer?: Answer;
}

interface Finding {
  req: HostileRequest;
  status: number;
  detail: string;
}

type FindingKind = '5xx' | 'no answer' | 'FHIR 4xx not an OperationOutcome' | 'auth 4xx not OAuth error JSON' | 'not audited' | 'leak to another organisation' | 'cross-organisation write' | 'shutdown' | 'time bound';

describe.each<StoreKind>(DRIVERS)('hostile input against a running facade (%s)', (kind) => {
  const findings = new Map<FindingKind, Finding[]>();
  const outcomes: Outcome[] = [];
  let stats = '';
  let ran = false;
  const tag = `${kind === 'pglite' ? 'E' : 'P'}${Date.now().toString(36)}`;
  // Marker strings that exist only inside RX1's planted notices.
  const markers = Array.from({ length: 12 }, (_, i) => `Qzxmark${tag}n${i}`);
  const planted = { noticeIds: [] as string[], identifiers: [] as Identifier[], taskIds: [] as string[], nhsNumbers: [] as string[], taskVersions: [] as string[] };
  const add = (k: FindingKind, f: Finding) => {
    if (!findings.has(k)) findings.set(k, []);
    findings.get(k)!.push(f);
  };

  const running = useRunningFacade(kind, 'hostile', CONCURRENCY);

  it('takes the whole corpus within its bounds', async () => {
    const f = running.facade!;
    const base = f.baseUrl;
    const tokens = {
      rx1: await getToken(base, 'sandbox-epr-rx1', RX1_SCOPE),
      rx2: await getToken(base, 'test-epr-rx2', RX1_SCOPE),
      council: await getToken(base, 'sandbox-council-mosaic', 'system/*.cruds'),
      portal: await getToken(base, 'sandbox-portal', 'system/*.rs'),
    };
    for (const [name, t] of Object.entries(tokens)) nameToken(t, `TOKEN_${name.toUpperCase()}`);
    const expired = await expiredTokenLike(tokens.rx1, running.store!.dataDir);

    const post = async (token: string, body: unknown, id: string) => {
      const a = await sendHttp(running.agent!, f.port, {
        method: 'POST',
        path: '/fhir/Communication',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json', 'X-Request-ID': id },
        body: JSON.stringify(body),
      });
      if (a.status !== 201) throw new Error(`planting ${id}: ${a.status} ${a.body.toString().slice(0, 500)}`);
      return JSON.parse(a.body.toString()) as Communication;
    };
    const taskOf = async (token: string, noticeId: string) => {
      const a = await sendHttp(running.agent!, f.port, { method: 'GET', path: `/fhir/Task?focus=Communication/${noticeId}`, headers: { Authorization: `Bearer ${token}` } });
      const task = (JSON.parse(a.body.toString()) as Bundle).entry?.[0]?.resource as Task | undefined;
      if (!task) throw new Error(`notice ${noticeId} has no contact: ${a.status} ${a.body.toString().slice(0, 300)}`);
      return task;
    };
    // RX1's planted notices: known people (so no Patient record is opened from them), every free-text place marked.
    for (let i = 0; i < markers.length; i++) {
      const m = markers[i];
      const nhs = KNOWN_NHS[i % KNOWN_NHS.length];
      const n = makeNotice('assessment-notice', { sender: 'RX1', identifier: `RX1-PLANT-${tag}-${i}`, nhs });
      const patient = n.contained.find((r: { resourceType: string }) => r.resourceType === 'Patient');
      patient.name = [{ family: m, given: [`${m}given`] }];
      patient.identifier[1].value = `${m}local`;
      patient.contact[0].name = { family: `${m}carer`, given: ['Carer'] };
      n.contained.find((r: { resourceType: string }) => r.resourceType === 'Practitioner').name = [{ family: `${m}liaison` }];
      n.payload[0].contentString = `Reason for referral ${m}reason`;
      n.subject.display = `${m}display`;
      const c = await post(tokens.rx1, n, `plant-${tag}-${i}`);
      planted.noticeIds.push(c.id!);
      planted.identifiers.push(c.identifier![0] as Identifier);
      planted.nhsNumbers.push(nhs);
      const task = await taskOf(tokens.rx1, c.id!);
      planted.taskIds.push(task.id!);
      planted.taskVersions.push(task.meta!.versionId!);
    }
    // Each hospital's own earlier notices, for its discharge notices and withdrawals to answer.
    const own = async (token: string, sender: string) => {
      const ids: string[] = [];
      const identifiers: Identifier[] = [];
      const taskIds: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await post(token, makeNotice('assessment-notice', { sender, identifier: `${sender}-OWN-${tag}-${i}`, nhs: KNOWN_NHS[i] }), `own-${sender}-${tag}-${i}`);
        ids.push(c.id!);
        identifiers.push(c.identifier![0] as Identifier);
        taskIds.push((await taskOf(token, c.id!)).id!);
      }
      return { noticeIds: ids, identifiers, taskIds };
    };
    const rx1Own = await own(tokens.rx1, 'RX1');
    const rx2Own = await own(tokens.rx2, 'RX2');

    const ctx: CorpusContext = { seed: SEED, tag, baseUrl: base, tokens: { ...tokens, expired }, rx1: planted, rx1Own, rx2: rx2Own };
    const corpus = await buildCorpus(ctx);
    expect(corpus.length).toBeGreaterThanOrEqual(10_000);

    const started = Date.now();
    let next = 0;
    let unsent = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= corpus.length) return;
        if (Date.now() - started > BUDGET_MS) {
          unsent++;
          continue;
        }
        const req = corpus[i];
        let answer = req.raw ? await sendRaw(f.port, req.raw) : await sendHttp(running.agent!, f.port, req);
        // What node:http will not send (characters it refuses in a header or path) is malformed HTTP: it goes as bytes.
        if (answer.status === -1) {
          req.raw = rawOf(req);
          req.what = `malformed HTTP (sent raw): ${req.what}`;
          answer = await sendRaw(f.port, req.raw);
        }
        outcomes.push({ req, answer });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const ms = Date.now() - started;
    // Every request of the corpus is sent, or the run says it was not: fewer than all is not the test asked for.
    if (unsent > 0) add('time bound', { req: corpus[corpus.length - 1], status: 0, detail: `${unsent} of ${corpus.length} requests not sent within ${BUDGET_MS / 1000} s: the facade stalls or is far too slow` });

    // The leak check must be able to see: the council, who may, finds RX1's markers in a planted notice.
    const seen = await sendHttp(running.agent!, f.port, { method: 'GET', path: `/fhir/Communication/${planted.noticeIds[0]}`, headers: { Authorization: `Bearer ${tokens.council}` } });
    if (!seen.body.toString().includes(markers[0])) throw new Error(`the leak check is blind: the council's read of RX1's planted notice shows no marker (${seen.status} ${seen.body.toString().slice(0, 300)})`);

    // Nobody but the council may have changed RX1's contacts.
    for (let i = 0; i < planted.taskIds.length; i++) {
      const a = await sendHttp(running.agent!, f.port, { method: 'GET', path: `/fhir/Task/${planted.taskIds[i]}`, headers: { Authorization: `Bearer ${tokens.rx1}`, 'X-Request-ID': `check-task-${tag}-${i}` } });
      const t = JSON.parse(a.body.toString()) as Task;
      if (a.status !== 200 || t.meta?.versionId !== planted.taskVersions[i] || t.status !== 'requested' || (t.input ?? []).length) {
        add('cross-organisation write', {
          req: { n: -1, category: 'leak', what: 'RX1 contact changed', caller: 'rx1', method: 'GET', path: `/fhir/Task/${planted.taskIds[i]}`, headers: {}, requestId: '' },
          status: a.status,
          detail: `RX1's contact Task/${planted.taskIds[i]} is now version ${t.meta?.versionId}, status ${t.status}, inputs ${JSON.stringify(t.input ?? [])}`,
        });
      }
    }

    const byClass = new Map<string, number>();
    for (const o of outcomes) {
      const s = o.answer?.status ?? 0;
      const cls = s === 0 ? 'no answer' : `${Math.floor(s / 100)}xx`;
      byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
    }
    stats = `[${kind}] ${outcomes.length} requests${unsent ? ` (${unsent} not sent: time bound)` : ''} in ${(ms / 1000).toFixed(1)} s (${Math.round(outcomes.length / (ms / 1000))}/s, concurrency ${CONCURRENCY}, seed ${SEED}): ${[...byClass].map(([k, v]) => `${k} ${v}`).join(', ')}`;
    const slow = new Map<string, { n: number; ms: number }>();
    for (const o of outcomes) {
      const k = `${o.req.category}: ${o.req.what.replace(/\d{4,}/g, 'N').slice(0, 60)}`;
      const v = slow.get(k) ?? { n: 0, ms: 0 };
      v.n++;
      v.ms += o.answer?.ms ?? 0;
      slow.set(k, v);
    }
    const slowest = [...slow].sort((a, b) => b[1].ms - a[1].ms).slice(0, 6);
    stats += `\n  most time (request-seconds): ${slowest.map(([k, v]) => `${k} ${(v.ms / 1000).toFixed(1)} s/${v.n}`).join('; ')}`;
    console.log(stats);

    const stop = await f.stop(20_000);
    if (!stop.graceful) {
      add('shutdown', {
        req: { n: -1, category: 'header', what: 'SIGTERM', caller: 'anon', method: 'SIGTERM', path: '', headers: {}, requestId: '' },
        status: 0,
        detail: `after SIGTERM the facade ended with ${stop.signal ?? `exit code ${stop.code}`} after ${stop.ms} ms (expected a graceful exit 0; it was killed after 20 s if still running)`,
      });
    }
    analyse(outcomes, await auditedRequestIds(running.store!), markers, planted, add);
    ran = true;
  }, 600_000);

  const check = (k: FindingKind, what: string) =>
    it(what, () => {
      // Without a run there is nothing to judge; the first test has failed and says why.
      if (!ran) return;
      const list = findings.get(k) ?? [];
      if (list.length) throw new Error(`${stats}\n${summary(k, list, running.facade?.logTail(15))}`);
    });
  check('time bound', 'sends the whole corpus within the time bound');
  check('5xx', 'answers no request with a 5xx');
  check('no answer', 'answers every well-formed request');
  check('FHIR 4xx not an OperationOutcome', 'refuses under /fhir with an OperationOutcome');
  check('auth 4xx not OAuth error JSON', 'refuses under /auth with OAuth error JSON');
  check('not audited', 'audits every answered request to /fhir and /auth/token (but an OPTIONS answered 204)');
  check('leak to another organisation', "never shows RX1's notices, contacts or their contents to another organisation");
  check('cross-organisation write', "lets no other organisation change RX1's contacts");
  check('shutdown', 'stops gracefully on SIGTERM');
});

/** Bytes for a request node:http refuses to send as given. */
function rawOf(req: HostileRequest): Buffer {
  const body = req.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
  const lines = [`${req.method} ${req.path} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`)];
  if (req.body !== undefined) lines.push(`Content-Length: ${body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}

function endpointOf(path: string): 'fhir' | 'auth' | 'token' | 'other' {
  const p = path.split(/[?#]/)[0].toLowerCase();
  if (p === '/fhir' || p.startsWith('/fhir/')) return 'fhir';
  if (/^\/auth\/token\/?$/.test(p)) return 'token';
  // The OAuth endpoints; other paths under /auth are not the authorisation server's.
  if (/^\/auth\/introspect\/?$/.test(p)) return 'auth';
  return 'other';
}

function json(a: Answer): any {
  try {
    return JSON.parse(a.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function resourcesOf(body: any): Resource[] {
  if (!body || typeof body !== 'object') return [];
  if (body.resourceType === 'Bundle') return (body.entry ?? []).map((e: { resource?: Resource }) => e.resource).filter(Boolean);
  if (typeof body.resourceType === 'string' && body.resourceType !== 'OperationOutcome') return [body];
  return [];
}

function analyse(
  outcomes: Outcome[],
  audited: Set<string>,
  markers: string[],
  planted: { noticeIds: string[]; taskIds: string[] },
  add: (k: FindingKind, f: Finding) => void,
) {
  // RX1's notices and contacts: those planted, and every one RX1 itself was answered with.
  const rx1Notices = new Set(planted.noticeIds);
  const rx1Tasks = new Set(planted.taskIds);
  for (const { req, answer } of outcomes) {
    if (req.caller !== 'rx1' || !answer || answer.status >= 300) continue;
    for (const r of resourcesOf(json(answer))) {
      if (r.resourceType === 'Communication' && (r as Communication).sender?.identifier?.value === 'RX1') rx1Notices.add(r.id!);
      if (r.resourceType === 'Task' && (r as Task).requester?.identifier?.value === 'RX1') rx1Tasks.add(r.id!);
    }
  }
  const markerRe = new RegExp(markers.map((m) => `${m}(?![0-9])`).join('|'));

  for (const { req, answer } of outcomes) {
    const a = answer!;
    const endpoint = endpointOf(req.path);
    const malformed = req.what.startsWith('malformed HTTP');
    if (a.status === 0) {
      // Malformed HTTP may be dropped; a request node:http could send deserves an answer.
      if (!malformed && !req.raw) add('no answer', { req, status: 0, detail: a.error ?? 'no answer' });
      continue;
    }
    const brief = a.body.toString('utf8').slice(0, 300).replace(/\s+/g, ' ');
    if (a.status >= 500) add('5xx', { req, status: a.status, detail: brief });
    if (a.status >= 400 && a.status < 500 && req.method !== 'HEAD') {
      const body = json(a);
      if (endpoint === 'fhir' && !(body?.resourceType === 'OperationOutcome' && Array.isArray(body.issue) && body.issue.length)) {
        add('FHIR 4xx not an OperationOutcome', { req, status: a.status, detail: `content-type ${a.headers['content-type'] ?? '(none)'}; body ${JSON.stringify(brief.slice(0, 120))}` });
      }
      if ((endpoint === 'token' || endpoint === 'auth') && !(body && typeof body.error === 'string')) {
        add('auth 4xx not OAuth error JSON', { req, status: a.status, detail: `content-type ${a.headers['content-type'] ?? '(none)'}; body ${JSON.stringify(brief.slice(0, 120))}` });
      }
    }
    // OPTIONS answered 204 is a browser's preflight (or a client asking what a path allows): it
    // carries no token and reaches no data, and is not an access to record (docs/authorisation.md).
    const preflight = req.method === 'OPTIONS' && a.status === 204;
    if ((endpoint === 'fhir' || endpoint === 'token') && !preflight) {
      const echoed = a.headers['x-request-id'];
      const id = typeof echoed === 'string' ? echoed : req.requestId;
      if (!audited.has(id) && !audited.has(req.requestId)) {
        add('not audited', { req, status: a.status, detail: `no audit_events row with request_id ${JSON.stringify(id)}${echoed ? '' : ' (the answer carried no X-Request-ID)'}` });
      }
    }
    if (!OUTSIDERS.has(req.caller)) continue;
    const text = a.body.toString('utf8');
    const sent = `${req.path}\n${Object.values(req.headers).join('\n')}\n${req.body === undefined ? '' : req.body.toString()}`;
    const leaks: string[] = [];
    const marker = markerRe.exec(text);
    if (marker && !sent.includes(marker[0])) leaks.push(`RX1's marker ${marker[0]} in the answer`);
    const body = json(a);
    for (const r of resourcesOf(body)) {
      if (r.resourceType === 'Communication') {
        const c = r as Communication;
        if (rx1Notices.has(c.id!) || c.sender?.identifier?.value === 'RX1') leaks.push(`RX1's Communication/${c.id}`);
        const linked = (c.inResponseTo ?? []).map((x) => x.reference?.replace(/^Communication\//, '')).filter((x) => x && rx1Notices.has(x));
        if (linked.length) leaks.push(`${c.sender?.identifier?.value ?? '?'}'s Communication/${c.id} taken as answering RX1's Communication/${linked[0]}`);
      }
      if (r.resourceType === 'Task') {
        const t = r as Task;
        if (rx1Tasks.has(t.id!) || t.requester?.identifier?.value === 'RX1' || rx1Notices.has(t.focus?.reference?.replace(/^Communication\//, '') ?? '')) leaks.push(`RX1's Task/${t.id}`);
      }
    }
    if (body?.resourceType === 'OperationOutcome') {
      for (const id of rx1Notices) if (text.includes(id) && !sent.includes(id)) leaks.push(`RX1's notice id ${id} named in an OperationOutcome`);
    }
    if (leaks.length) add('leak to another organisation', { req, status: a.status, detail: `${[...new Set(leaks)].slice(0, 3).join('; ')}` });
  }
}

function summary(kind: FindingKind, list: Finding[], logTail?: string): string {
  const groups = new Map<string, Finding[]>();
  for (const f of list) {
    const g = `${f.req.category}: ${f.req.what.replace(/\d{4,}/g, 'N')} -> ${f.status}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(f);
  }
  const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
  const lines = [`${kind}: ${list.length} request(s), ${groups.size} kind(s)`];
  for (const [g, fs] of sorted.slice(0, 25)) lines.push(`  ${String(fs.length).padStart(5)} x ${g}`);
  if (sorted.length > 25) lines.push(`  ... and ${sorted.length - 25} more kinds`);
  lines.push(`examples (one per kind first; repro with TOKEN_RX1/TOKEN_RX2/... from npm run -s token, facade on :8080 with the combined clients file):`);
  const examples: Finding[] = [];
  for (let round = 0; examples.length < EXAMPLES && round < 5; round++) {
    for (const [, fs] of sorted) if (fs[round] && examples.length < EXAMPLES) examples.push(fs[round]);
  }
  examples.forEach((f, i) => {
    const r = f.req;
    lines.push(`  #${r.n} [${r.category}] ${r.what} as ${r.caller}: ${r.method} ${r.path.slice(0, 160)}${r.path.length > 160 ? '...' : ''} -> ${f.status}: ${f.detail.slice(0, 300)}`);
    if (i < 5 && r.n >= 0) lines.push(`      ${r.raw ? `printf %s ${JSON.stringify(r.raw.toString('latin1').slice(0, 300))} | nc 127.0.0.1 8080` : curlOf(r)}`);
  });
  if (kind === '5xx' && logTail) lines.push(`the facade's log ends:\n${logTail}`);
  return lines.join('\n');
}
