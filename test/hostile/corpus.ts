import { readFileSync } from 'node:fs';
import path from 'node:path';
import { base64url, JWK } from 'jose';
import { CLIENT_ASSERTION_TYPE } from '../../src/auth/assertion';
import { keyOfClient, testPrivateKey } from '../support/auth';
import { assertionClaims, signJwt, unsignedJwt } from '../support/jwt';
import { sandboxRows } from '../support/sandboxDataset';

/**
 * A deterministic corpus of hostile requests for a running facade. The same seed gives the same
 * requests (apart from what only the running facade knows: its ids, tokens, the time), so a failure
 * seen once can be seen again. Every request carries its own X-Request-ID (unless the point is a bad one).
 */

export type Category = 'notice' | 'search' | 'header' | 'token' | 'encoding' | 'leak';
export type Caller = 'rx1' | 'rx2' | 'council' | 'portal' | 'anon' | 'bogus';

export interface HostileRequest {
  n: number;
  category: Category;
  /** What makes it hostile, short and stable across runs (failures are grouped by it). */
  what: string;
  /** Whose token it carries: leaks are judged by it (RX2, the portal and anonymous callers may never see RX1's notices). */
  caller: Caller;
  method: string;
  /** Path and query as sent (raw: the request target as written in the bytes). */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** Sent byte for byte on a socket of its own instead (malformed HTTP, bytes node:http refuses). */
  raw?: Buffer;
  /** The X-Request-ID we sent (the facade answers with it, or its own when it refuses ours). */
  requestId: string;
}

export interface Identifier {
  system: string;
  value: string;
}

export interface CorpusContext {
  seed: number;
  /** Distinguishes runs on different stores (ids, identifiers). */
  tag: string;
  /** The facade's public base URL (the token audience). */
  baseUrl: string;
  tokens: Record<'rx1' | 'rx2' | 'council' | 'portal', string> & { expired?: string };
  /** RX1's planted notices: what RX2 must never reach. */
  rx1: { noticeIds: string[]; identifiers: Identifier[]; taskIds: string[]; nhsNumbers: string[] };
  /** RX2's own earlier notices, for its discharge notices and withdrawals to answer. */
  rx2: { noticeIds: string[]; identifiers: Identifier[] };
  /** RX1's own earlier notices, likewise. */
  rx1Own: { noticeIds: string[]; identifiers: Identifier[]; taskIds: string[] };
  counts?: Partial<Record<Category, number>>;
}

export const DEFAULT_COUNTS: Record<Category, number> = { notice: 3000, search: 3400, header: 1500, token: 1000, encoding: 600, leak: 600 };

export const NOTICE_SYSTEM = 'https://fhir.example-hospital.nhs.uk/Id/adw-notice';
export const NHS_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const FIXTURE_DIR = path.join(__dirname, '..', '..', 'fixtures', 'notices');
export type NoticeName = 'assessment-notice' | 'discharge-notice' | 'withdrawal-notice' | 'admission-notice';
const FIXTURES: Record<NoticeName, string> = Object.fromEntries(
  (['assessment-notice', 'discharge-notice', 'withdrawal-notice', 'admission-notice'] as NoticeName[]).map((n) => [n, readFileSync(path.join(FIXTURE_DIR, `${n}.json`), 'utf8')]),
) as Record<NoticeName, string>;

export function fixtureNotice(name: NoticeName): Record<string, any> {
  return JSON.parse(FIXTURES[name]);
}

/** Sandbox people the council knows (not the restricted one). */
export const KNOWN_NHS = ['9990000018', '9990000026', '9990000034', '9990000042', '9990000050', '9990000069', '9990000077', '9990000085', '9990000107', '9990000115', '9990000123', '9990000131'];

/** mulberry32: small, fast, and the same everywhere. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    chance: (p: number) => next() < p,
    hex: (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[int(16)]).join(''),
  };
}
export type Rng = ReturnType<typeof prng>;

/** A valid NHS number (Modulus 11) in the synthetic 999 range, from 6 digits chosen by the caller. */
export function nhsNumber(prefix: string, six: number): string {
  for (let k = 0; k < 20; k++) {
    const nine = `${prefix}${String((six + k) % 1_000_000).padStart(6, '0')}`.slice(0, 9);
    const sum = [...nine].reduce((s, d, i) => s + Number(d) * (10 - i), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${nine}${check === 11 ? 0 : check}`;
  }
  throw new Error('no valid NHS number near ' + six);
}

/** The sandbox people by NHS number (from its CLD return): a notice's contained Patient must agree with the council's record. */
const PEOPLE: Map<string, { birthDate: string; gender: string }> = new Map(
  sandboxRows('cld.csv')
    .filter((row) => row['NHS Number'])
    .map((row) => [row['NHS Number'], { birthDate: row['Date of Birth'].split('/').reverse().join('-'), gender: row.Gender.toLowerCase() }]),
);

/** A notice of the fixture's shape, from `sender`, with a fresh identifier, about `nhs`. */
export function makeNotice(name: NoticeName, o: { sender: string; identifier: string; nhs: string; answers?: { id?: string; identifier?: Identifier } }): Record<string, any> {
  const c = fixtureNotice(name);
  c.identifier = [{ system: NOTICE_SYSTEM, value: o.identifier }];
  c.sender = { identifier: { system: ODS_SYSTEM, value: o.sender } };
  c.subject = { identifier: { system: NHS_SYSTEM, value: o.nhs } };
  for (const r of c.contained ?? []) {
    if (r.resourceType === 'Patient') {
      r.identifier = [{ system: NHS_SYSTEM, value: o.nhs }, { system: 'https://fhir.nhs.uk/Id/local-patient-identifier', value: `L-${o.identifier}` }];
      const known = PEOPLE.get(o.nhs);
      if (known) Object.assign(r, known);
    }
  }
  if (o.answers) c.inResponseTo = [o.answers.id ? { reference: `Communication/${o.answers.id}` } : { identifier: o.answers.identifier }];
  return c;
}

// ---------------------------------------------------------------------------------------------

const WRONG_VALUES: unknown[] = [42, -1, 0, 3.14, true, false, null, [], [[]], {}, { value: 'x' }, '', ' ', 'x', ['a'], [null], [1, 2], { reference: 42 }, '\t', 1e21];
const ODD_NUMBERS = ['1e309', '-0', '1e-400', '123456789012345678901234567890', '-1e308', '0.0000000000000000000000001', '9007199254740993', '1E+2', '-', '01', '.5', '+1', 'NaN', 'Infinity', '0x10'];
const NOTICE_PATHS = [
  'resourceType', 'identifier', 'identifier.0', 'identifier.0.system', 'identifier.0.value', 'status', 'category', 'category.0', 'category.0.coding',
  'category.0.coding.0.code', 'category.0.coding.0.system', 'priority', 'subject', 'subject.identifier', 'subject.identifier.value', 'subject.identifier.system',
  'subject.reference', 'subject.display', 'encounter', 'encounter.reference', 'sent', 'sender', 'sender.identifier', 'sender.identifier.value', 'recipient',
  'recipient.0.identifier.value', 'contained', 'contained.0', 'contained.0.resourceType', 'contained.0.id', 'contained.0.name', 'contained.0.name.0.family',
  'contained.0.name.0.given', 'contained.0.birthDate', 'contained.0.gender', 'contained.0.address', 'contained.0.telecom', 'contained.0.period',
  'contained.0.period.end', 'contained.1.period.end', 'contained.1.period', 'contained.0.contact', 'contained.1', 'contained.2.telecom', 'contained.3.item',
  'payload', 'payload.0', 'payload.0.contentString', 'payload.1.contentReference', 'payload.1.contentReference.reference', 'inResponseTo', 'inResponseTo.0',
  'inResponseTo.0.reference', 'inResponseTo.0.identifier', 'reasonCode', 'reasonCode.0.coding', 'reasonCode.0.coding.0.code', 'reasonCode.0.text', 'meta',
  'id', 'text', 'extension', 'modifierExtension', 'implicitRules', 'language',
];
const EXTRA_ELEMENTS: [string, unknown][] = [
  ['foo', 'bar'], ['id', 'chosen-by-client'], ['meta', { versionId: '99', lastUpdated: '1999-01-01T00:00:00Z', security: [{ code: 'R' }] }],
  ['text', { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div>' }],
  ['extension', [{ url: 'http://example.org/x', valueString: 'y' }]], ['modifierExtension', [{ url: 'http://example.org/m', valueBoolean: true }]],
  ['implicitRules', 'http://example.org/rules'], ['_status', { extension: [{ url: 'http://example.org/e', valueCode: 'x' }] }],
  ['basedOn', [{ reference: 'ServiceRequest/1' }]], ['partOf', [{ reference: 'Communication/../../AuditEvent' }]], ['topic', { text: 't' }],
  ['about', [{ reference: 'Patient/WXB-100001' }]], ['received', '2026-11-23T09:15:00Z'], ['medium', [{ text: 'fax' }]], ['note', [{ text: 'n' }]],
  ['recipient', [{ reference: 'Organization/ORG-WXB' }, { reference: 'Practitioner/W-001' }]], ['subject', { reference: 'Patient/WXB-100001' }],
  ['subject', { reference: 'Patient/WXB-100001', identifier: { system: NHS_SYSTEM, value: '9990000026' } }], ['sender', { reference: 'Organization/ORG-WXB' }],
  ['category', [{ coding: [{ system: 'http://snomed.info/sct', code: '975701000000106' }, { system: 'http://snomed.info/sct', code: '975731000000100' }] }]],
  ['resourceType', 'Patient'], ['resourceType', 'communication'], ['status', 'in-progress'], ['status', 'entered-in-error'], ['priority', 'stat'],
  ['sent', '2026-02-30T10:00:00Z'], ['sent', '2026-11-23'], ['sent', '2026-11-23T25:61:00Z'], ['sent', '0000-01-01T00:00:00Z'], ['sent', '+275760-09-13T00:00:00Z'],
  ['sent', '2026-11-23T09:15:00'], ['sent', '1e10'], ['sent', 'yesterday'], ['encounter', { reference: '#nope' }], ['encounter', { reference: 'Encounter/123' }],
  ['payload', [{ contentReference: { reference: '#missing' } }]], ['payload', [{ contentAttachment: { data: '!!!notbase64', contentType: 'text/plain' } }]],
  ['contained', [{ resourceType: 'Communication', id: 'nested', contained: [{ resourceType: 'Patient' }] }]], ['contained', [{ resourceType: 'Bundle', id: 'b', type: 'collection' }]],
  ['contained', [{ resourceType: 'Patient', id: 'patient' }, { resourceType: 'Patient', id: 'patient' }]], ['contained', [{ id: 'x' }]], ['contained', [null, 1, 'x']],
  ['inResponseTo', [{ reference: 'Communication/' }]], ['inResponseTo', [{ reference: 'Communication/../../Patient/WXB-100001' }]],
  ['inResponseTo', [{ reference: 'http://evil.example/fhir/Communication/1' }]], ['inResponseTo', [{ identifier: { system: NOTICE_SYSTEM } }]],
  ['inResponseTo', [{ reference: 'Communication/a' }, { reference: 'Communication/b' }]], ['inResponseTo', [{ reference: "Communication/1' OR '1'='1" }]],
  ['reasonCode', [{ coding: [{ system: 'https://fhir.nhs.uk/ADW-WithdrawalReason-1', code: '13' }] }]], ['reasonCode', [{ coding: [{ system: 'https://fhir.nhs.uk/ADW-WithdrawalReason-1', code: '99' }] }]],
  ['identifier', [{ system: NOTICE_SYSTEM, value: '' }]], ['identifier', [{ value: 'no-system' }]], ['identifier', [{ system: NOTICE_SYSTEM, value: 'a'.repeat(5000) }]],
  ['identifier', [{ system: 'x'.repeat(3000), value: 'v' }]], ['identifier', [{ system: NOTICE_SYSTEM, value: "'; DROP TABLE notices; --" }]],
];
const BAD_NHS = ['9990000019', '999000001', '99900000180', 'abcdefghij', '999 000 0018', '999-000-0018', '', ' ', '0000000000', '9999999999', '١٢٣٤٥٦٧٨٩٠', '9990000018\n', '+9990000018', '9.99e9', '4010232137', '1234567881'];

/** Sets (or deletes, with `undefined`) a dotted path inside a JSON value; creates nothing that is not there, except the last step. */
function setPath(obj: any, dotted: string, value: unknown, del = false): boolean {
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object' || !(p in cur)) return false;
    cur = cur[p];
  }
  if (cur === null || typeof cur !== 'object') return false;
  const last = parts[parts.length - 1];
  if (del) delete cur[last];
  else cur[last] = value;
  return true;
}

function stringPaths(obj: any, prefix = ''): string[] {
  if (typeof obj === 'string') return [prefix];
  if (!obj || typeof obj !== 'object') return [];
  return Object.entries(obj).flatMap(([k, v]) => stringPaths(v, prefix ? `${prefix}.${k}` : k));
}

const PLACEHOLDER = '\u0001HOSTILE\u0001';
/** Replaces one string value with raw JSON text (escapes JSON.stringify would never write). */
function withRawString(obj: any, rng: Rng, rawJsonString: string): string {
  const paths = stringPaths(obj);
  const p = rng.pick(paths);
  setPath(obj, p, PLACEHOLDER);
  return JSON.stringify(obj).replace(JSON.stringify(PLACEHOLDER), rawJsonString);
}

interface Built {
  what: string;
  body: string | Buffer;
  contentType?: string;
}

/** One mutated notice: a plausible notice from `sender` with 1-3 hostile changes. */
function hostileNotice(rng: Rng, ctx: CorpusContext, sender: 'RX1' | 'RX2', n: number, recentIdentifiers: Identifier[]): Built {
  const names: NoticeName[] = ['assessment-notice', 'assessment-notice', 'discharge-notice', 'withdrawal-notice', 'admission-notice'];
  const name = rng.pick(names);
  const own = sender === 'RX1' ? ctx.rx1Own : ctx.rx2;
  const identifier = `HX-${ctx.tag}-${sender}-${n}`;
  const nhs = rng.chance(0.8) ? rng.pick(KNOWN_NHS) : nhsNumber('9994', rng.int(1_000_000));
  const needsAnswer = name === 'discharge-notice' || name === 'withdrawal-notice';
  const answerIdx = rng.int(Math.max(1, own.noticeIds.length));
  const answers = needsAnswer && own.noticeIds.length ? (rng.chance(0.5) ? { id: own.noticeIds[answerIdx] } : { identifier: own.identifiers[answerIdx] }) : undefined;
  const c = makeNotice(name, { sender, identifier, nhs: name === 'assessment-notice' ? nhs : rng.pick(KNOWN_NHS), answers });
  const kind = rng.int(20);
  const tags: string[] = [name.replace('-notice', '')];
  const serialise = () => JSON.stringify(c);
  switch (kind) {
    case 0:
    case 1: {
      const p = rng.pick(NOTICE_PATHS);
      const v = rng.pick(WRONG_VALUES);
      setPath(c, p, v);
      return { what: `wrong-type ${p}=${JSON.stringify(v)} (${tags})`, body: serialise() };
    }
    case 2: {
      const p = rng.pick(NOTICE_PATHS);
      setPath(c, p, undefined, true);
      return { what: `missing ${p} (${tags})`, body: serialise() };
    }
    case 3:
    case 4: {
      const [k, v] = rng.pick(EXTRA_ELEMENTS);
      c[k] = structuredClone(v);
      return { what: `element ${k}=${JSON.stringify(v).slice(0, 60)} (${tags})`, body: serialise() };
    }
    case 5: {
      const size = rng.pick([70_000, 300_000, 1_100_000]);
      const where = rng.pick(['payload.0.contentString', 'identifier.0.value', 'contained.0.name.0.family', 'subject.display', 'sender.identifier.value', 'status']);
      setPath(c, where, 'H'.repeat(size));
      return { what: `huge string ${where} (${size > 1_000_000 ? '>1MB' : `${size / 1000}kB`})`, body: serialise() };
    }
    case 6: {
      const esc = rng.pick(['\\ud800', '\\udfff', '\\ud800x', 'a\\udc00b', '\\ud83d', '\\ude00\\ud83d', '\\udbff\\udbff']);
      return { what: `unpaired surrogate ${esc}`, body: withRawString(c, rng, `"${esc}"`) };
    }
    case 7: {
      const esc = rng.pick(['\\u0000', 'a\\u0000b', '\\u0000\\u0000', '\\u0001\\u001f', '\\u007f', '\\u2028\\u2029', '\\ufeff', '\\uffff']);
      return { what: `control escape ${esc}`, body: withRawString(c, rng, `"${esc}"`) };
    }
    case 8: {
      const num = rng.pick(ODD_NUMBERS);
      const where = rng.pick(['payload.0.contentString', 'sent', 'identifier.0.value', 'subject.identifier.value', 'status', 'contained.0.birthDate', 'extension']);
      setPath(c, where, PLACEHOLDER);
      return { what: `odd number ${where}=${num}`, body: serialise().replace(JSON.stringify(PLACEHOLDER), num) };
    }
    case 9: {
      const depth = rng.pick([100, 1_000, 10_000, 100_000]);
      const where = rng.pick(['extension', 'payload', 'contained', 'foo', 'inResponseTo', 'category']);
      const open = rng.chance(0.5) ? '[' : '{"a":';
      const close = open === '[' ? ']' : '}';
      setPath(c, where, PLACEHOLDER);
      return { what: `nesting ${depth} deep in ${where} (${open})`, body: serialise().replace(JSON.stringify(PLACEHOLDER), open.repeat(depth) + '1' + close.repeat(depth)) };
    }
    case 10: {
      const bad = rng.pick(BAD_NHS);
      c.subject = { identifier: { system: NHS_SYSTEM, value: bad } };
      if (rng.chance(0.5)) for (const r of c.contained ?? []) if (r.resourceType === 'Patient') r.identifier = [{ system: NHS_SYSTEM, value: bad }];
      return { what: `wrong NHS number ${JSON.stringify(bad)}`, body: serialise() };
    }
    case 11: {
      const other = rng.pick(sender === 'RX1' ? ['RX2', 'WXB', 'rx2', ' RX2', 'RX2 ', ''] : ['RX1', 'WXB', 'rx1', 'RX1\u200b', '8HX21']);
      c.sender = { identifier: { system: ODS_SYSTEM, value: other } };
      return { what: `sender ODS ${JSON.stringify(other)}`, body: serialise() };
    }
    case 12: {
      // The other hospital's notices, by our id or by their identifier (RX1's planted notices for RX2; RX2's own for RX1).
      const target = sender === 'RX2' ? ctx.rx1 : ctx.rx2;
      if (!target.noticeIds.length) return { what: 'inResponseTo (nothing planted)', body: serialise() };
      const i = rng.int(target.noticeIds.length);
      const byId = rng.chance(0.5);
      const answer = makeNotice(rng.pick(['discharge-notice', 'withdrawal-notice'] as NoticeName[]), {
        sender,
        identifier,
        nhs: sender === 'RX2' ? ctx.rx1.nhsNumbers[i] ?? '9990000018' : '9990000018',
        answers: byId ? { id: target.noticeIds[i] } : { identifier: target.identifiers[i] },
      });
      return { what: `inResponseTo the other hospital's notice by ${byId ? 'id' : 'identifier'}`, body: JSON.stringify(answer) };
    }
    case 13: {
      // Duplicate identifiers: a notice already received (ours, or the other hospital's) with a changed body.
      const theirs = sender === 'RX2' && ctx.rx1.identifiers.length && rng.chance(0.4);
      const pool = theirs ? ctx.rx1.identifiers : recentIdentifiers.length ? recentIdentifiers : own.identifiers;
      if (!pool.length) return { what: 'duplicate identifier (none yet)', body: serialise() };
      c.identifier = [structuredClone(rng.pick(pool))];
      const change = rng.int(3);
      if (change === 0) c.sent = '2026-11-24T10:00:00Z';
      else if (change === 1) c.payload = [{ contentString: `changed ${n}` }];
      else c.priority = 'routine';
      return { what: `duplicate identifier of ${theirs ? "the other hospital's" : 'an own'} notice, changed body`, body: serialise() };
    }
    case 14: {
      const shape = rng.int(12);
      const bodies = ['[]', 'null', '"Communication"', '42', 'true', '{}', '', '{"resourceType":"Communication"', '{"resourceType":"Communication"}}', `[${serialise()}]`, `${serialise()}${serialise()}`, '\ufeff' + serialise()];
      return { what: `body shape #${shape}`, body: bodies[shape] };
    }
    case 15: {
      const proto = rng.pick([
        '{"__proto__":{"resourceType":"Communication","isAdmin":true}}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"__proto__":null}',
        '{"toString":"x","valueOf":1,"hasOwnProperty":"y"}',
      ]);
      const text = serialise();
      return { what: `prototype keys ${proto.slice(0, 30)}`, body: text.replace(/^\{/, proto.slice(1, -1) + ',') };
    }
    case 16: {
      // Bytes that are not UTF-8, inside a string.
      const bad = rng.pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]);
      const text = withRawString(c, rng, `"${PLACEHOLDER}"`);
      const [before, after] = text.split(PLACEHOLDER);
      return { what: `bad UTF-8 bytes ${bad.map((b) => b.toString(16)).join(' ')} in a string`, body: Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]) };
    }
    case 17: {
      const dup = rng.pick(['resourceType', 'identifier', 'sender', 'subject']);
      const text = serialise();
      const alt = dup === 'resourceType' ? '"Patient"' : dup === 'sender' ? JSON.stringify({ identifier: { system: ODS_SYSTEM, value: sender === 'RX1' ? 'RX2' : 'RX1' } }) : '[]';
      return { what: `duplicate key ${dup}`, body: text.replace(/\}$/, `,"${dup}":${alt}}`) };
    }
    default: {
      // Plausible notices: most are refused or accepted for good reasons; they keep the store busy and the identities real.
      if (rng.chance(0.3)) c.contained = (c.contained ?? []).filter((r: any) => r.resourceType !== 'Patient');
      return { what: `plausible (${tags})`, body: serialise() };
    }
  }
}

// ---------------------------------------------------------------------------------------------

const TYPES = ['Patient', 'CarePlan', 'Flag', 'CareTeam', 'Organization', 'Practitioner', 'PractitionerRole', 'Communication', 'Task', 'AuditEvent'];
const ODD_TYPES = ['Foo', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'patient', 'Binary', 'Bundle', '$export', '_history', 'metadata/..', '%2e%2e', 'Patient%00', ''];
const PARAMS = ['_id', 'identifier', 'name', 'family', 'given', 'birthdate', 'gender', 'organization', 'patient', 'subject', 'status', 'category', 'date', 'performer', 'care-team', 'author', 'participant', 'partof', 'practitioner', 'focus', 'owner', 'sent', 'recipient', '_lastUpdated', 'agent', 'type', 'subtype', 'outcome'];
const HOSTILE_NAMES = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'prototype', '__proto__[isAdmin]', 'constructor[prototype][x]', 'a[b]', 'a[]', '[]', '', ' ', '.', '..', '_', '__', '_has:Flag:subject:status', '_has', '_filter', '_query', '_text', '_content', '_list', '_type', '_tag', '_security', '_profile', '_source', '_contained', '_containedType', '_total', '_graph'];
const MODIFIERS = [':exact', ':contains', ':missing', ':not', ':above', ':below', ':text', ':identifier', ':Patient', ':Organization', ':in', ':not-in', ':of-type', ':iterate', ':', '::', ':__proto__', ':constructor', ':exact:contains', ':EXACT', ':Patient.identifier', ':missing=true'];
const CHAINS = ['patient.identifier', 'subject.identifier', 'subject:Patient.identifier', 'patient.name', 'patient.organization.name', 'subject:Patient.organization.identifier', 'patient.__proto__', 'patient.constructor', 'subject:__proto__.name', 'focus.identifier', 'focus:Communication.sender', 'performer.name', 'author.partof.name', 'patient._id', 'patient.', '.identifier', 'patient..identifier'];
const INCLUDES = ['CarePlan:performer', 'CarePlan:subject', 'CarePlan:care-team', 'Flag:author', 'CareTeam:participant', 'PractitionerRole:organization', 'Task:focus', 'Task:patient', 'Communication:subject', 'Communication:recipient', '*', 'Patient:*', 'CarePlan:*', ':', 'CarePlan:', ':performer', 'CarePlan:performer:Organization', 'CarePlan:subject:Patient', '__proto__:x', 'constructor:prototype', 'Task:focus:Communication', 'Communication:*'];
const REVINCLUDES = ['CarePlan:subject', 'Flag:subject', 'CareTeam:subject', 'Task:focus', 'Communication:subject', 'Task:patient', 'AuditEvent:patient', 'Communication:in-response-to', '*', 'Flag:*', '__proto__:subject', 'CarePlan:subject:Patient'];
const HOSTILE_VALUES = [
  '', ' ', '%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%FF%FE', '%00', 'a%00b', '%2500', '%u0041', '+', '%2B', '|', '||', '|||', ',', ',,,',
  '\\', '\\|', '\\,', '\\$', '$', '*', '"', "'", "' OR 1=1 --", '${7*7}', '{{7*7}}', '<script>', '../../etc/passwd', 'null', 'undefined', 'NaN', 'true', '[object Object]',
  'x'.repeat(1000), 'é', '%C3%A9', '%E2%80%AE', '%F0%9F%98%80', '%EF%BF%BF', 'https://fhir.nhs.uk/Id/nhs-number|9990000019', 'https://fhir.nhs.uk/Id/nhs-number|',
  '|9990000018', 'https://fhir.nhs.uk/Id/nhs-number|9990000018|x', 'Patient/', 'Patient/WXB-100001', 'Patient/WXB-100001/_history/1', 'Organization/../Patient/WXB-100001',
  'http://evil.example/Patient/1', 'Communication/', 'urn:uuid:x',
];
const DATES = ['2026', '2026-11', '2026-11-23', '2026-13-01', '2026-02-30', '2026-11-23T25:00', '2026-11-23T10:00:00Z', '2026-11-23T10:00:00+99:00', '99999-01-01', '0000-00-00', '-2026', '2026-1-1', '20261123', 'today', ''];
const PREFIXES = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', 'xx', 'EQ', 'gtgt', 'gt-'];
const NUMBERS = ['0', '1', '-1', '100', '101', '10000', '10001', '99999999999999999999', '1e3', '0x10', '1.5', 'NaN', 'Infinity', '-0', ' 5', '5 ', '', 'abc', '9007199254740993', '00000000000000000000001'];

function enc(s: string) {
  // Values are mostly sent as written (so that percent-encoding errors reach the facade), sometimes properly encoded.
  return s;
}

function hostileSearch(rng: Rng, ctx: CorpusContext): { what: string; method: string; path: string; headers?: Record<string, string>; body?: string } {
  const type = rng.chance(0.93) ? rng.pick(TYPES) : rng.pick(ODD_TYPES);
  const params: string[] = [];
  const tags: string[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const k = rng.int(12);
    if (k === 0) {
      const name = rng.pick(HOSTILE_NAMES);
      params.push(`${name}=${rng.pick(['1', 'x', rng.pick(HOSTILE_VALUES)])}`);
      tags.push(`name ${name || '(empty)'}`);
    } else if (k === 1) {
      const name = rng.pick(PARAMS) + rng.pick(MODIFIERS);
      params.push(`${name}=${rng.pick(['x', 'active', '9990000018', 'true', rng.pick(HOSTILE_VALUES)])}`);
      tags.push(`modifier ${name}`);
    } else if (k === 2) {
      const chain = rng.pick(CHAINS);
      params.push(`${chain}=${rng.pick(['https://fhir.nhs.uk/Id/nhs-number|9990000018', 'Thornton', 'RX1', rng.pick(HOSTILE_VALUES)])}`);
      tags.push(`chain ${chain}`);
    } else if (k === 3) {
      const inc = rng.chance(0.5) ? `_include=${rng.pick(INCLUDES)}` : `_revinclude=${rng.pick(REVINCLUDES)}`;
      params.push(inc + (rng.chance(0.2) ? rng.pick([':iterate', '&_include:iterate=*', '&_revinclude:iterate=*']) : ''));
      tags.push(inc.split('=')[0]);
    } else if (k === 4) {
      const p = rng.pick(['_count', '_offset', '_summary', '_elements', '_sort', '_total', '_format', '_pretty', 'page', '_getpages', '_page']);
      const v = p === '_summary' ? rng.pick(['count', 'true', 'false', 'text', 'data', 'x', '']) : p === '_elements' ? rng.pick(['name', 'id,meta', '*', '', ',,', 'a.b.c', '__proto__', 'x'.repeat(500)]) : p === '_sort' ? rng.pick(['_id', '-date', 'name,-birthdate', '__proto__', '']) : p === '_format' ? rng.pick(['json', 'xml', 'application/fhir+json', 'ttl', '', 'html']) : rng.pick(NUMBERS);
      params.push(`${p}=${v}`);
      tags.push(`${p}`);
    } else if (k === 5) {
      const p = rng.pick(['birthdate', 'date', 'sent', '_lastUpdated', 'date', 'sent']);
      params.push(`${p}=${rng.pick(PREFIXES)}${rng.pick(DATES)}`);
      tags.push(`date ${p}`);
    } else if (k === 6) {
      const p = rng.pick(PARAMS);
      params.push(`${p}=${rng.pick(HOSTILE_VALUES)}`);
      tags.push(`value ${p}`);
    } else if (k === 7) {
      params.push(`identifier=https://fhir.nhs.uk/Id/nhs-number|${rng.pick([...BAD_NHS, ...KNOWN_NHS])}`);
      tags.push('nhs identifier');
    } else if (k === 8) {
      const p = rng.pick(PARAMS);
      const many = rng.pick([50, 300, 1200]);
      params.push(Array.from({ length: many }, (_, j) => `${p}=${j}`).join('&'));
      tags.push(`${p} x${many}`);
    } else if (k === 9) {
      params.push(rng.pick(['&&&', '=', '==', '=x', 'a==b', 'a=b=c', ';', 'a;b=c', '?', '#frag', '&=&', 'name', 'name&name=', '%3D=%26', 'name%3Dx', 'a=%']));
      tags.push('malformed query');
    } else {
      const p = rng.pick(PARAMS);
      params.push(`${p}=${rng.pick(['Thornton', 'active', 'x', 'RX1', '9990000018', 'Organization/TEAM-HDT', 'requested', 'Patient/WXB-100001'])}`);
      tags.push(`plain ${p}`);
    }
  }
  // Spaces, controls and non-ASCII are percent-encoded (raw they would be malformed HTTP, a category of its own); '%' errors stay.
  const query = params.join('&').replace(/[^\u0021-\u007e]/gu, (ch) => encodeURIComponent(ch));
  const form = rng.chance(0.08);
  if (form) {
    return { what: `POST _search ${tags[0]}`, method: 'POST', path: `/fhir/${type}/_search`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: query };
  }
  const shape = rng.int(20);
  const base =
    shape === 0 ? `/fhir/${type}/` : shape === 1 ? `/fhir//${type}` : shape === 2 ? `/fhir/${type}/${rng.pick(['WXB-100001', 'x', '%', '..', '%2e%2e', 'x'.repeat(300), '__proto__', 'constructor', 'WXB-100001/_history/1', 'WXB-100001/_history/x', 'WXB-100001/$everything', '_history'])}` : `/fhir/${type}`;
  return { what: `${tags[0] ?? 'search'}${shape <= 2 ? ` (path shape ${shape})` : ''}`, method: rng.chance(0.03) ? 'HEAD' : 'GET', path: `${base}?${query}` };
}

// ---------------------------------------------------------------------------------------------

function hostileHeaders(rng: Rng, ctx: CorpusContext): { what: string; caller: Caller; method: string; path: string; headers: Record<string, string>; body?: string } {
  const callerName = rng.pick(['rx1', 'rx2', 'council'] as const);
  const good = `Bearer ${ctx.tokens[callerName]}`;
  const targets: [string, string, string | undefined][] = [
    ['GET', '/fhir/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018', undefined],
    ['GET', '/fhir/CarePlan?patient:identifier=https://fhir.nhs.uk/Id/nhs-number|9990000018&_include=CarePlan:performer', undefined],
    ['GET', '/fhir/Communication?_count=5', undefined],
    ['GET', '/fhir/Task?status=requested&_count=5', undefined],
    ['GET', '/fhir/Patient/WXB-100001', undefined],
    ['GET', '/fhir/metadata', undefined],
    ['POST', '/fhir/Communication', 'notice'],
    ['POST', '/fhir/Patient/_search', 'name=Thornton'],
    // RX1's own contacts outside the planted ones: the council may change these, and does.
    ['PATCH', `/fhir/Task/${ctx.rx1Own.taskIds[0] ?? 'x'}`, '[{"op":"replace","path":"/status","value":"accepted"}]'],
    ['PUT', `/fhir/Task/${ctx.rx1Own.taskIds[1] ?? 'x'}`, '{"resourceType":"Task"}'],
  ];
  const [method, path, bodyKind] = rng.pick(targets);
  const headers: Record<string, string> = { Authorization: good };
  let body: string | undefined;
  if (bodyKind === 'notice') {
    const sender = callerName === 'rx1' ? 'RX1' : callerName === 'rx2' ? 'RX2' : 'WXB';
    body = JSON.stringify(makeNotice('assessment-notice', { sender, identifier: `HH-${ctx.tag}-${rng.hex(12)}`, nhs: rng.pick(KNOWN_NHS) }));
    headers['Content-Type'] = 'application/fhir+json';
  } else if (bodyKind) {
    body = bodyKind;
    headers['Content-Type'] = bodyKind.startsWith('[') ? 'application/json-patch+json' : bodyKind.startsWith('{') ? 'application/fhir+json' : 'application/x-www-form-urlencoded';
  }
  let caller: Caller = callerName;
  const k = rng.int(11);
  let what: string;
  if (k === 0) {
    const v = rng.pick(['application/xml', 'application/fhir+xml', 'text/html', '*/*', 'application/*', 'application/fhir+json;fhirVersion=3.0', 'application/fhir+json; fhirVersion=4.0', 'application/json; charset=latin1', 'application/json;q=0', 'text/turtle', '', ';;;', 'application/fhir+json;' + 'a=b;'.repeat(500), 'application/json, application/xml;q=0.9', 'image/png', '*/*;q=abc']);
    headers.Accept = v;
    what = `Accept ${JSON.stringify(v.slice(0, 50))}`;
  } else if (k === 1 && body !== undefined) {
    const v = rng.pick(['text/plain', 'application/xml', 'application/fhir+xml', 'multipart/form-data; boundary=x', 'application/fhir+json; charset=utf-16', 'application/fhir+json; charset=latin1', 'application/json; charset=nonsense', 'application/x-www-form-urlencoded', 'application/json-patch+json', 'application/fhir+json;' + 'x'.repeat(3000), '', 'application', '*/*']);
    headers['Content-Type'] = v;
    what = `Content-Type ${JSON.stringify(v.slice(0, 50))}`;
  } else if (k === 2) {
    const v = rng.pick(['return=minimal', 'return=OperationOutcome', 'return=representation', 'handling=strict', 'handling=lenient', 'respond-async', 'return=minimal, handling=strict', 'handling = strict', 'x'.repeat(4000), 'return=', '=', ';,;']);
    headers.Prefer = v;
    what = `Prefer ${JSON.stringify(v.slice(0, 40))}`;
  } else if (k === 3) {
    const h = rng.pick(['If-Match', 'If-None-Match', 'If-None-Exist', 'If-Modified-Since']);
    const v = rng.pick(['W/"1"', '"1"', 'W/"999999999999999999999"', '*', 'W/""', 'W/"-1"', 'W/"1.5"', 'garbage', '', 'W/"1", W/"2"', 'identifier=x', 'identifier=https://fhir.example-hospital.nhs.uk/Id/adw-notice|%zz', '?identifier=a|b', 'name=x&identifier=a|b', 'Thu, 01 Jan 1970 00:00:00 GMT', 'x'.repeat(5000)]);
    headers[h] = v;
    what = `${h} ${JSON.stringify(v.slice(0, 40))}`;
  } else if (k === 4) {
    const v = rng.pick(['TREAT', 'ETREAT', 'treat', 'HPAYMT', 'XXX', '', ' ', 'TREAT,ETREAT', 'x'.repeat(2000), 'PUBHLTH', 'HOPERAT', '__proto__', 'constructor']);
    headers['X-Purpose-Of-Use'] = v;
    what = `X-Purpose-Of-Use ${JSON.stringify(v.slice(0, 30))}`;
  } else if (k === 5) {
    const v = rng.pick(['', 'a b c', 'x'.repeat(129), 'x'.repeat(5000), '../../x', '<script>', "'; DROP TABLE audit_events; --", 'ok-id', '\t', '%00', 'é']);
    headers['X-Request-ID'] = v;
    what = `X-Request-ID ${JSON.stringify(v.slice(0, 30))}`;
  } else if (k === 6) {
    const h = rng.pick(['X-User-Id', 'X-User-Name', 'X-User-Role', 'NHSD-End-User-Organisation-ODS', 'NHSD-Session-URID']);
    // Random text as well as a run of one letter: only text that does not compress tests the bound on what an index may hold.
    const v = rng.pick(['', 'x'.repeat(8000), 'random', '{"a":1}', '__proto__', 'RX2', "o'brien", '<b>x</b>', 'a,b,c']);
    if (v === 'random') headers[h] = rng.hex(rng.pick([3000, 8000]));
    else headers[h] = v;
    what = `${h} ${JSON.stringify(v.slice(0, 30))}`;
  } else if (k === 7 || k === 8) {
    const t = ctx.tokens[callerName];
    const [h, p, s] = t.split('.');
    const flip = (x: string) => x.slice(0, -2) + (x.slice(-2) === 'AA' ? 'BB' : 'AA');
    // The council's own token already claims WXB and system/*.cruds: "tampered", it is unchanged and still its own.
    const tampered = base64url.encode(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), organization: 'WXB', scope: 'system/*.cruds' }));
    const choices: [string, string, Caller][] = [
      ['missing', '', 'anon'],
      ['Bearer', 'Bearer', 'anon'],
      ['Bearer-space', 'Bearer ', 'anon'],
      ['Basic', 'Basic dXNlcjpwYXNz', 'anon'],
      ['lowercase bearer', `bearer ${t}`, callerName],
      ['double space', `Bearer  ${t}`, callerName],
      ['two tokens', `Bearer ${t}, Bearer ${ctx.tokens.council}`, 'bogus'],
      ['garbage', `Bearer ${'x'.repeat(rng.pick([10, 500, 7000]))}`, 'bogus'],
      ['tampered payload', `Bearer ${h}.${tampered}.${s}`, tampered === p ? callerName : 'bogus'],
      ['flipped signature', `Bearer ${h}.${p}.${flip(s)}`, 'bogus'],
      ['alg none', `Bearer ${unsignedJwt({ typ: 'JWT' }, JSON.parse(Buffer.from(p, 'base64url').toString()))}`, 'bogus'],
      ['no signature', `Bearer ${h}.${p}.`, 'bogus'],
      ['expired', ctx.tokens.expired ? `Bearer ${ctx.tokens.expired}` : 'Bearer expired', 'bogus'],
      ['client assertion as token', `Bearer ${t.split('.').reverse().join('.')}`, 'bogus'],
      ['non-latin1-safe', `Bearer ${t}\u00ff`, 'bogus'],
      ['portal token', `Bearer ${ctx.tokens.portal}`, 'portal'],
      ['other hospital token', `Bearer ${ctx.tokens[callerName === 'rx1' ? 'rx2' : 'rx1']}`, callerName === 'rx1' ? 'rx2' : 'rx1'],
    ];
    const [name, v, c] = rng.pick(choices);
    if (name === 'missing') delete headers.Authorization;
    else headers.Authorization = v;
    caller = c;
    // A notice in the body belongs to callerName; sent with another's token it is that caller's attempt.
    what = `Authorization ${name}`;
  } else if (k === 9) {
    const v = rng.pick(['gzip', 'deflate', 'br', 'identity', 'compress', 'x-gzip, gzip', 'zstd']);
    if (body !== undefined) headers['Content-Encoding'] = v;
    what = `Content-Encoding ${v}${body === undefined ? ' (no body)' : ''}`;
  } else {
    const many = rng.pick([20, 90]);
    for (let i = 0; i < many; i++) headers[`X-Hostile-${i}`] = rng.hex(40);
    what = `${many} extra headers`;
  }
  return { what, caller, method, path, headers, body };
}

// ---------------------------------------------------------------------------------------------

async function hostileToken(rng: Rng, ctx: CorpusContext, n: number): Promise<{ what: string; headers: Record<string, string>; body: string; method: string }> {
  const tokenUrl = `${ctx.baseUrl}/auth/token`;
  const client = rng.pick(['sandbox-epr-rx1', 'test-epr-rx2', 'sandbox-council-mosaic', 'test-social-care', 'sandbox-portal']);
  const key: JWK = keyOfClient(client);
  const scopeOf = () => rng.pick(['system/*.rs', 'system/Patient.rs', 'system/*.cruds', 'system/Communication.crs system/Task.rs', 'patient/*.read', 'user/*.*', 'openid fhirUser', '', ' ', 'system/Patient.rs?x=%zz', 'system/__proto__.rs', 'system/*.read', 'x'.repeat(3000), 'system/AuditEvent.rs', 'system/Flag.rs?category=x|y', 'launch/patient']);
  const form = (assertion: string, extra: Record<string, string> = {}) =>
    new URLSearchParams({ grant_type: 'client_credentials', scope: scopeOf(), client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion, ...extra }).toString();
  const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = {}, k: JWK = key) =>
    signJwt(claims, { alg: k.kty === 'RSA' ? 'RS384' : 'ES384', kid: key.kid, typ: 'JWT', ...header } as { alg: string }, { ...k, alg: undefined });
  const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const k = rng.int(16);
  const now = Date.now();
  if (k === 0) return { what: 'valid assertion, odd scope', headers, method: 'POST', body: form(await sign(assertionClaims(client, tokenUrl))) };
  if (k === 1) {
    const [name, change] = rng.pick<[string, Record<string, unknown>]>([
      ['wrong aud', { aud: 'http://127.0.0.1:1/auth/token' }], ['aud array', { aud: [tokenUrl, 'x'] }], ['exp past', { exp: Math.floor(now / 1000) - 10 }],
      ['exp too far', { exp: Math.floor(now / 1000) + 3600 }], ['iat future', { iat: Math.floor(now / 1000) + 3600 }], ['no jti', { jti: undefined }],
      ['no exp', { exp: undefined }], ['iss other client', { iss: 'test-epr-rx2' }], ['sub differs', { sub: 'someone' }], ['iss unknown', { iss: 'nobody', sub: 'nobody' }],
      ['nbf future', { nbf: Math.floor(now / 1000) + 3600 }], ['exp string', { exp: 'soon' }], ['jti object', { jti: { a: 1 } }], ['jti huge', { jti: 'j'.repeat(5000) }],
      ['iss __proto__', { iss: '__proto__', sub: '__proto__' }], ['iss long random', { iss: rng.hex(3000) }], ['exp huge', { exp: 1e20 }], ['iat negative', { iat: -1 }],
    ]);
    return { what: `claims: ${name}`, headers, method: 'POST', body: form(await sign(assertionClaims(client, tokenUrl, change))) };
  }
  if (k === 2) {
    const [name, header, signer] = rng.pick<[string, Record<string, unknown>, JWK]>([
      ['other key', {}, testPrivateKey('test-other')], ['unknown kid', { kid: 'nope' }, key], ['no kid', { kid: undefined }, key],
      ['jku header', { jku: 'http://127.0.0.1:1/jwks.json' }, key], ['typ odd', { typ: 'at+jwt' }, key],
    ]);
    return { what: `header: ${name}`, headers, method: 'POST', body: form(await sign(assertionClaims(client, tokenUrl), header, signer)) };
  }
  if (k === 3) return { what: 'alg none', headers, method: 'POST', body: form(unsignedJwt({ typ: 'JWT', kid: key.kid }, assertionClaims(client, tokenUrl))) };
  if (k === 4) {
    const a = rng.pick(['', 'x', 'a.b.c', 'a.b', '...', 'e30.e30.', 'eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln', '%zz', 'Ã©', 'x'.repeat(15000), '{"iss":"x"}', base64url.encode('{"alg":"ES384"}') + '.' + base64url.encode('[1,2]') + '.AAAA']);
    return { what: `assertion garbage ${JSON.stringify(a.slice(0, 20))}`, headers, method: 'POST', body: form(a) };
  }
  if (k === 5) {
    const [name, extra] = rng.pick<[string, Record<string, string>]>([
      ['grant password', { grant_type: 'password' }], ['grant code', { grant_type: 'authorization_code' }], ['grant empty', { grant_type: '' }],
      ['assertion type wrong', { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }], ['client_id mismatch', { client_id: 'test-epr-rx2' }],
      ['client_id long random', { client_id: rng.hex(12_000) }],
      ['client_secret', { client_secret: 'hunter2' }], ['__proto__ param', { __proto__x: '1' }],
    ]);
    return { what: `form: ${name}`, headers, method: 'POST', body: form(await sign(assertionClaims(client, tokenUrl)), extra) };
  }
  if (k === 6) {
    const a = await sign(assertionClaims(client, tokenUrl));
    const variants = [
      ['missing grant_type', `scope=system%2F*.rs&client_assertion_type=${encodeURIComponent(CLIENT_ASSERTION_TYPE)}&client_assertion=${a}`],
      ['assertion twice', `${form(a)}&client_assertion=${a}`],
      ['grant twice', `${form(a)}&grant_type=client_credentials`],
      ['25 params', `${form(a)}&${Array.from({ length: 25 }, (_, i) => `p${i}=1`).join('&')}`],
      ['body over 16kb', `${form(a)}&pad=${'x'.repeat(17_000)}`],
      ['bad percent-encoding', `${form(a)}&scope=%zz%E0%A4%A`],
      ['NUL', `${form(a)}&x=%00`],
      ['empty body', ''],
      ['only &', '&&&&'],
      ['__proto__', `__proto__=x&constructor=y&${form(a)}`],
    ];
    const [name, body] = rng.pick(variants);
    return { what: `form: ${name}`, headers, method: 'POST', body };
  }
  if (k === 7) {
    const ct = rng.pick(['application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16', 'application/x-www-form-urlencoded; charset=nonsense', '']);
    const a = await sign(assertionClaims(client, tokenUrl));
    const body = ct === 'application/json' ? JSON.stringify({ grant_type: 'client_credentials', client_assertion: a }) : form(a);
    return { what: `Content-Type ${JSON.stringify(ct)}`, headers: ct ? { 'Content-Type': ct } : {}, method: 'POST', body };
  }
  if (k === 8) {
    const m = rng.pick(['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
    return { what: `method ${m}`, headers, method: m, body: m === 'GET' || m === 'OPTIONS' ? '' : form('x') };
  }
  if (k === 9) {
    // The same assertion twice: the second is a replay.
    const a = await sign(assertionClaims(client, tokenUrl, { jti: `replay-${ctx.tag}-${Math.floor(n / 2)}` }));
    return { what: 'replayed jti', headers, method: 'POST', body: form(a) };
  }
  if (k === 10) {
    const alg2 = rng.pick(['HS256', 'HS384']);
    const secret = new TextEncoder().encode(JSON.stringify(key).slice(0, 64));
    const a = await signJwt(assertionClaims(client, tokenUrl), { alg: alg2, kid: key.kid }, secret);
    return { what: `alg ${alg2}`, headers, method: 'POST', body: form(a) };
  }
  if (k === 11) {
    const ce = rng.pick(['gzip', 'br', 'deflate']);
    return { what: `Content-Encoding ${ce}`, headers: { ...headers, 'Content-Encoding': ce }, method: 'POST', body: form(await sign(assertionClaims(client, tokenUrl))) };
  }
  // Ordinary requests, so that the refusals sit among successes as they would.
  return { what: 'valid request', headers, method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: await sign(assertionClaims(client, tokenUrl)) }).toString() };
}

// ---------------------------------------------------------------------------------------------

function rawRequest(lines: string[], body: Buffer | string = ''): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), b]);
}

function hostileEncoding(rng: Rng, ctx: CorpusContext, requestId: string): { what: string; caller: Caller; path: string; raw?: Buffer; method: string; headers: Record<string, string>; body?: string | Buffer } {
  const who = rng.pick(['rx1', 'rx2'] as const);
  const r = encodingRequest(rng, ctx, requestId, who);
  return { caller: r.headers.Authorization === `Bearer ${ctx.tokens.rx1}` ? 'rx1' : who, ...r };
}

function encodingRequest(rng: Rng, ctx: CorpusContext, requestId: string, who: 'rx1' | 'rx2'): { what: string; path: string; raw?: Buffer; method: string; headers: Record<string, string>; body?: string | Buffer } {
  const auth = `Authorization: Bearer ${ctx.tokens[who]}`;
  const host = 'Host: 127.0.0.1';
  const idh = `X-Request-ID: ${requestId}`;
  const k = rng.int(14);
  const badBytes = rng.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xe2, 0x28, 0xa1]]);
  const hex = badBytes.map((b) => b.toString(16)).join(' ');
  if (k === 0 || k === 1) {
    const where = k === 0 ? 'path' : 'query';
    const target = k === 0 ? Buffer.concat([Buffer.from('/fhir/Patient/'), Buffer.from(badBytes)]) : Buffer.concat([Buffer.from('/fhir/Patient?name='), Buffer.from(badBytes)]);
    const raw = Buffer.concat([Buffer.from('GET '), target, Buffer.from(` HTTP/1.1\r\n${host}\r\n${auth}\r\n${idh}\r\nConnection: close\r\n\r\n`)]);
    return { what: `raw bytes ${hex} in the ${where}`, path: target.toString('latin1'), raw, method: 'GET', headers: {} };
  }
  if (k === 2) {
    const value = Buffer.concat([Buffer.from('X-User-Name: '), Buffer.from(badBytes)]);
    const raw = Buffer.concat([Buffer.from(`GET /fhir/Patient/WXB-100001 HTTP/1.1\r\n${host}\r\n${auth}\r\n${idh}\r\n`), value, Buffer.from('\r\nConnection: close\r\n\r\n')]);
    return { what: `raw bytes in a header value`, path: '/fhir/Patient/WXB-100001', raw, method: 'GET', headers: {} };
  }
  if (k === 3) {
    const len = rng.pick([9_000, 17_000, 70_000]);
    const p = `/fhir/Patient?name=${'a'.repeat(len)}`;
    return { what: `URL of ${len} characters`, path: p, raw: rawRequest([`GET ${p} HTTP/1.1`, host, auth, idh, 'Connection: close']), method: 'GET', headers: {} };
  }
  if (k === 4) {
    const len = rng.pick([9_000, 17_000, 70_000]);
    return { what: `one header of ${len} characters`, path: '/fhir/Patient', raw: rawRequest(['GET /fhir/Patient HTTP/1.1', host, auth, idh, `X-Padding: ${'p'.repeat(len)}`, 'Connection: close']), method: 'GET', headers: {} };
  }
  if (k === 5) {
    const many = rng.pick([150, 2500]);
    return { what: `${many} headers`, path: '/fhir/Patient', raw: rawRequest(['GET /fhir/Patient HTTP/1.1', host, auth, idh, ...Array.from({ length: many }, (_, i) => `X-H${i}: v`), 'Connection: close']), method: 'GET', headers: {} };
  }
  if (k === 6) {
    const [name, lines] = rng.pick<[string, string[]]>([
      ['no version', ['GET /fhir/Patient']],
      ['HTTP/0.9', ['GET /fhir/Patient HTTP/0.9']],
      ['HTTP/2.0', ['GET /fhir/Patient HTTP/2.0', host]],
      ['HTTP/1.1 without Host', ['GET /fhir/Patient HTTP/1.1', auth, idh, 'Connection: close']],
      ['lowercase method', ['get /fhir/Patient HTTP/1.1', host, idh, 'Connection: close']],
      ['unknown method', ['FOO /fhir/Patient HTTP/1.1', host, idh, 'Connection: close']],
      ['absolute URI', ['GET http://evil.example/fhir/Patient HTTP/1.1', host, auth, idh, 'Connection: close']],
      ['asterisk target', ['OPTIONS * HTTP/1.1', host, idh, 'Connection: close']],
      ['header without colon', ['GET /fhir/Patient HTTP/1.1', host, 'NoColonHere', idh, 'Connection: close']],
      ['space before colon', ['GET /fhir/Patient HTTP/1.1', host, 'X-Purpose-Of-Use : TREAT', idh, 'Connection: close']],
      ['obs-fold', ['GET /fhir/Patient HTTP/1.1', host, auth, 'X-User-Name: a', ' folded', idh, 'Connection: close']],
      ['space in target', ['GET /fhir/Pat ient HTTP/1.1', host, auth, idh, 'Connection: close']],
      ['fragment in target', ['GET /fhir/Patient#x HTTP/1.1', host, auth, idh, 'Connection: close']],
      ['tab in target', ['GET /fhir/Patient\t HTTP/1.1', host, idh, 'Connection: close']],
      ['NUL in header', ['GET /fhir/Patient HTTP/1.1', host, auth, 'X-User-Name: a\u0000b', idh, 'Connection: close']],
      ['CR in header value', ['GET /fhir/Patient HTTP/1.1', host, auth, 'X-User-Name: a\rb', idh, 'Connection: close']],
      ['garbage line', ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003']],
      ['empty request line', ['', 'GET /fhir/Patient HTTP/1.1', host, idh, 'Connection: close']],
      ['dot segments', ['GET /fhir/Patient/../AuditEvent HTTP/1.1', host, auth, idh, 'Connection: close']],
      ['encoded dot segments', ['GET /fhir/Patient/%2e%2e/AuditEvent HTTP/1.1', host, auth, idh, 'Connection: close']],
      ['backslashes', ['GET /fhir\\Patient HTTP/1.1', host, auth, idh, 'Connection: close']],
    ]);
    const target = /^[A-Za-z]+ (\S+)/.exec(lines[0] || lines[1] || '')?.[1] ?? '';
    return { what: `malformed HTTP: ${name}`, path: target, raw: rawRequest(lines), method: 'GET', headers: {} };
  }
  if (k === 7) {
    const body = Buffer.concat([Buffer.from('{"resourceType":"Communication","identifier":[{"system":"x","value":"'), Buffer.from(badBytes), Buffer.from('"}]}')]);
    const [name, lines, b] = rng.pick<[string, string[], Buffer]>([
      ['Content-Length larger than the body', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', `Content-Length: ${body.length + 50}`, 'Connection: close'], body],
      ['Content-Length smaller than the body', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', `Content-Length: ${Math.max(1, body.length - 20)}`, 'Connection: close'], body],
      ['Content-Length negative', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', 'Content-Length: -5', 'Connection: close'], body],
      ['Content-Length twice, differing', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', `Content-Length: ${body.length}`, 'Content-Length: 3', 'Connection: close'], body],
      ['Content-Length and chunked', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', `Content-Length: ${body.length}`, 'Transfer-Encoding: chunked', 'Connection: close'], body],
      ['bad chunk size', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', 'Transfer-Encoding: chunked', 'Connection: close'], Buffer.from('zz\r\nabc\r\n0\r\n\r\n')],
      ['chunk size overflow', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', 'Transfer-Encoding: chunked', 'Connection: close'], Buffer.from('fffffffffffffffff\r\nabc\r\n0\r\n\r\n')],
      ['Transfer-Encoding gzip, chunked', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', 'Transfer-Encoding: gzip, chunked', 'Connection: close'], Buffer.from('3\r\nabc\r\n0\r\n\r\n')],
      ['Transfer-Encoding unknown', ['POST /fhir/Communication HTTP/1.1', host, auth, idh, 'Content-Type: application/fhir+json', 'Transfer-Encoding: bogus', 'Connection: close'], body],
    ]);
    return { what: `malformed HTTP: ${name}`, path: '/fhir/Communication', raw: Buffer.concat([rawRequest(lines), b]), method: 'POST', headers: {} };
  }
  if (k === 8) {
    const body = Buffer.concat([Buffer.from(`name=`), Buffer.from(badBytes)]);
    return {
      what: `bad UTF-8 bytes ${hex} in a form body`,
      path: '/fhir/Patient/_search',
      method: 'POST',
      headers: { Authorization: auth.slice('Authorization: '.length), 'Content-Type': 'application/x-www-form-urlencoded', 'X-Request-ID': requestId },
      body,
    };
  }
  if (k === 9) {
    const charset = rng.pick(['utf-16le', 'utf-16be', 'iso-8859-1', 'utf-32', 'koi8-r']);
    const json = JSON.stringify(makeNotice('assessment-notice', { sender: 'RX1', identifier: `HE-${ctx.tag}-${rng.hex(10)}`, nhs: '9990000018' }));
    const body = charset.startsWith('utf-16') ? Buffer.from(json, 'utf16le') : Buffer.from(json, 'latin1');
    return {
      what: `notice body declared ${charset}`,
      path: '/fhir/Communication',
      method: 'POST',
      headers: { Authorization: `Bearer ${ctx.tokens.rx1}`, 'Content-Type': `application/fhir+json; charset=${charset}`, 'X-Request-ID': requestId },
      body,
    };
  }
  if (k === 10) {
    const p = `/fhir/Patient?${rng.pick(['name=%', 'name=%E0%A4%A', 'name=%C0%AF', 'name=%ED%A0%80', 'name=%FF', '%zz=1', 'name=%u00e9', 'family=%F0%9F%98%80', 'name=%00', 'name=a%00', '%00=x', 'na%00me=x'])}`;
    return { what: `percent-encoding ${p.split('?')[1]}`, path: p, method: 'GET', headers: { Authorization: auth.slice('Authorization: '.length), 'X-Request-ID': requestId } };
  }
  if (k === 11) {
    const p = rng.pick(['/fhir/Patient/%', '/fhir/Patient/%zz', '/fhir/Patient/%E0%A4%A', '/fhir/Patient/%ED%A0%80', '/fhir/Patient/%00', '/fhir/%50atient', '/fhir/Patient/%2F..%2FAuditEvent', '/fhir/Communication/%C0%AF', '/fhir/Task/%FF/_history/%FF', '/fhir/%']);
    return { what: `percent-encoding in the path ${p}`, path: p, method: 'GET', headers: { Authorization: auth.slice('Authorization: '.length), 'X-Request-ID': requestId } };
  }
  if (k === 12) {
    // An ordinary request over a connection that then sends a second, broken one (pipelining).
    const lines = ['GET /fhir/metadata HTTP/1.1', host, idh];
    return { what: 'pipelined: good then garbage', path: '/fhir/metadata', raw: Buffer.concat([rawRequest(lines), Buffer.from('GARBAGE\r\n\r\n')]), method: 'GET', headers: {} };
  }
  const token = rng.pick(['/auth/token', '/auth/token?x=%zz', '/auth/token/', '/auth//token', '/AUTH/TOKEN']);
  return {
    what: `token endpoint with bad bytes in the form (${token})`,
    path: token,
    raw: rawRequest([`POST ${token} HTTP/1.1`, host, idh, 'Content-Type: application/x-www-form-urlencoded', `Content-Length: ${6 + badBytes.length}`, 'Connection: close'], Buffer.concat([Buffer.from('scope='), Buffer.from(badBytes)])),
    method: 'POST',
    headers: {},
  };
}

// ---------------------------------------------------------------------------------------------

/** RX2 (or the portal, or nobody) reaching for RX1's notices and contacts every way the API allows. */
function leakProbe(rng: Rng, ctx: CorpusContext): { what: string; caller: Caller; method: string; path: string; headers: Record<string, string>; body?: string } {
  const caller = rng.chance(0.85) ? 'rx2' : rng.pick(['portal', 'anon'] as const);
  const headers: Record<string, string> = caller === 'anon' ? {} : { Authorization: `Bearer ${ctx.tokens[caller]}` };
  const i = rng.int(Math.max(1, ctx.rx1.noticeIds.length));
  const id = ctx.rx1.noticeIds[i] ?? 'none';
  const ident = ctx.rx1.identifiers[i] ?? { system: NOTICE_SYSTEM, value: 'none' };
  const task = ctx.rx1.taskIds[i % Math.max(1, ctx.rx1.taskIds.length)] ?? 'none';
  const nhs = ctx.rx1.nhsNumbers[i] ?? '9990000018';
  const probes: [string, string, string?, string?][] = [
    ['read Communication', `/fhir/Communication/${id}`],
    ['vread Communication', `/fhir/Communication/${id}/_history/1`],
    ['history Communication', `/fhir/Communication/${id}/_history`],
    ['history of every Communication', `/fhir/Communication/_history?_count=100`],
    ['vread Task', `/fhir/Task/${task}/_history/1`],
    ['history Task', `/fhir/Task/${task}/_history`],
    ['history of every Task', `/fhir/Task/_history?_count=100`],
    ['read Task', `/fhir/Task/${task}`],
    ['search Communication by _id', `/fhir/Communication?_id=${id}`],
    ['search Communication by identifier', `/fhir/Communication?identifier=${encodeURIComponent(`${ident.system}|${ident.value}`)}`],
    ['search Communication by identifier value', `/fhir/Communication?identifier=${encodeURIComponent(ident.value)}`],
    ['search Communication by identifier:contains', `/fhir/Communication?identifier:contains=${encodeURIComponent(ident.value.slice(0, 8))}`],
    ['search Communication by patient', `/fhir/Communication?patient:identifier=${NHS_SYSTEM}|${nhs}`],
    ['search Communication by subject chain', `/fhir/Communication?subject.identifier=${NHS_SYSTEM}|${nhs}&_count=100`],
    ['search Communication everything', `/fhir/Communication?_count=100`],
    ['search Communication _lastUpdated', `/fhir/Communication?_lastUpdated=ge2000-01-01&_count=100`],
    ['search Communication sent', `/fhir/Communication?sent=ge2000-01-01&_count=100`],
    ['search Communication category', `/fhir/Communication?category=975701000000106&_count=100`],
    ['search Communication with _revinclude Task', `/fhir/Communication?_revinclude=Task:focus&_count=100`],
    ['search Communication :not', `/fhir/Communication?category:not=access-notification&_count=100`],
    ['search Task by focus', `/fhir/Task?focus=Communication/${id}`],
    ['search Task by _id', `/fhir/Task?_id=${task}`],
    ['search Task everything', `/fhir/Task?_count=100`],
    ['search Task by owner', `/fhir/Task?owner=Organization/TEAM-HDT&_count=100`],
    ['search Task by status', `/fhir/Task?status=requested&_count=100`],
    ['search Task by patient', `/fhir/Task?patient:identifier=${NHS_SYSTEM}|${nhs}&_count=100`],
    ['search Task _include focus', `/fhir/Task?_include=Task:focus&_count=100`],
    ['search Patient _revinclude Communication', `/fhir/Patient?identifier=${NHS_SYSTEM}|${nhs}&_revinclude=Communication:subject&_revinclude=Task:patient`],
    ['search Patient _revinclude *', `/fhir/Patient?identifier=${NHS_SYSTEM}|${nhs}&_revinclude=*`],
    ['POST _search Communication', `/fhir/Communication/_search`, 'POST', `_id=${id}`],
    ['POST _search Task', `/fhir/Task/_search`, 'POST', `focus=Communication/${id}`],
    ['PATCH Task', `/fhir/Task/${task}`, 'PATCH', '[{"op":"replace","path":"/status","value":"cancelled"}]'],
    ['PUT Task', `/fhir/Task/${task}`, 'PUT', JSON.stringify({ resourceType: 'Task', id: task, status: 'rejected', intent: 'order', statusReason: { text: 'x' } })],
    ['PUT Communication', `/fhir/Communication/${id}`, 'PUT', JSON.stringify({ resourceType: 'Communication', id, status: 'completed' })],
    ['DELETE Communication', `/fhir/Communication/${id}`, 'DELETE'],
    ['If-None-Exist with RX1 identifier', `/fhir/Communication`, 'POST', 'ifnoneexist'],
    ['$validate with RX1 inResponseTo', `/fhir/Communication/$validate`, 'POST', 'validate'],
    ['AuditEvent', `/fhir/AuditEvent?_count=100`],
  ];
  const [what, path, method = 'GET', body] = rng.pick(probes);
  let sendBody = body;
  if (body === 'ifnoneexist' || body === 'validate') {
    // A notice of RX2's own, but naming RX1's identifier where a lookup could reveal RX1's notice.
    const n = makeNotice('discharge-notice', { sender: 'RX2', identifier: ident.value, nhs, answers: { identifier: ident } });
    sendBody = JSON.stringify(n);
    if (body === 'ifnoneexist') headers['If-None-Exist'] = `identifier=${ident.system}|${ident.value}`;
  }
  if (sendBody !== undefined) headers['Content-Type'] = method === 'PATCH' ? 'application/json-patch+json' : method === 'POST' && path.endsWith('_search') ? 'application/x-www-form-urlencoded' : 'application/fhir+json';
  return { what, caller, method, path, headers, body: sendBody };
}

// ---------------------------------------------------------------------------------------------

/** The whole corpus for one facade, in a seeded order (the categories interleaved, as real traffic would be). */
export async function buildCorpus(ctx: CorpusContext): Promise<HostileRequest[]> {
  const counts = { ...DEFAULT_COUNTS, ...ctx.counts };
  const rng = prng(ctx.seed);
  const plan: Category[] = [];
  for (const [c, k] of Object.entries(counts) as [Category, number][]) for (let i = 0; i < k; i++) plan.push(c);
  for (let i = plan.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [plan[i], plan[j]] = [plan[j], plan[i]];
  }
  const recent: Record<'RX1' | 'RX2', Identifier[]> = { RX1: [], RX2: [] };
  const out: HostileRequest[] = [];
  for (let n = 0; n < plan.length; n++) {
    const category = plan[n];
    const requestId = `hx-${ctx.tag}-${n}`;
    const base = { n, category, requestId };
    if (category === 'notice') {
      const callerName = rng.chance(0.45) ? 'rx1' : rng.chance(0.9) ? 'rx2' : 'council';
      const sender = callerName === 'rx1' ? 'RX1' : callerName === 'rx2' ? 'RX2' : rng.pick(['RX1', 'RX2'] as const);
      const built = hostileNotice(rng, ctx, sender, n, recent[sender]);
      recent[sender].push({ system: NOTICE_SYSTEM, value: `HX-${ctx.tag}-${sender}-${n}` });
      if (recent[sender].length > 50) recent[sender].shift();
      out.push({
        ...base,
        what: built.what,
        caller: callerName,
        method: 'POST',
        path: '/fhir/Communication',
        headers: { Authorization: `Bearer ${ctx.tokens[callerName]}`, 'Content-Type': built.contentType ?? 'application/fhir+json', 'X-Request-ID': requestId },
        body: built.body,
      });
    } else if (category === 'search') {
      const callerName = rng.pick(['rx1', 'rx2', 'rx2', 'council', 'portal'] as const);
      const s = hostileSearch(rng, ctx);
      out.push({ ...base, what: s.what, caller: callerName, method: s.method, path: s.path, headers: { Authorization: `Bearer ${ctx.tokens[callerName]}`, 'X-Request-ID': requestId, ...s.headers }, body: s.body });
    } else if (category === 'header') {
      const h = hostileHeaders(rng, ctx);
      out.push({ ...base, what: h.what, caller: h.caller, method: h.method, path: h.path, headers: { 'X-Request-ID': requestId, ...h.headers }, body: h.body });
    } else if (category === 'token') {
      const t = await hostileToken(rng, ctx, n);
      out.push({ ...base, what: t.what, caller: 'anon', method: t.method, path: '/auth/token', headers: { 'X-Request-ID': requestId, ...t.headers }, body: t.method === 'GET' ? undefined : t.body });
    } else if (category === 'encoding') {
      const e = hostileEncoding(rng, ctx, requestId);
      out.push({ ...base, what: e.what, caller: e.caller, method: e.method, path: e.path, headers: e.headers, body: e.body, raw: e.raw });
    } else {
      const l = leakProbe(rng, ctx);
      out.push({ ...base, what: l.what, caller: l.caller, method: l.method, path: l.path, headers: { 'X-Request-ID': requestId, ...l.headers }, body: l.body });
    }
  }
  return out;
}
