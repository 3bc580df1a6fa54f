/**
 * Real examples for the documentation: the sandbox fixtures loaded into an in-memory store, the
 * sandbox hospital notices sent in, and one resource of each type read back through the FhirRouter
 * (the same mapping, search and write code the server runs; no HTTP). What changes from run to run
 * (the time records were stored, the ids given to notices and contacts) is replaced with fixed
 * values, so the generated documentation only changes when the facade's output does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { UNRESTRICTED, View } from '../../src/access/context';
import { RESOURCE_DEFINITIONS } from '../../src/fhir/registry';
import { FhirRouter, FhirRequest } from '../../src/fhir/router';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { openPgliteThread } from '../../src/store/pgliteThread';
import { Store } from '../../src/store/store';

const PROJECT = resolve(__dirname, '..', '..');
export const SANDBOX_NOTICES = join(PROJECT, 'fixtures', 'notices');

/** Stands in for every instant the store wrote while the examples were made. */
export const EXAMPLE_INSTANT = '2026-11-23T09:30:00.000Z';

/**
 * Which resource shows each type: Barbara's where she has one (the seed story: her home-care
 * package, its provider, her social worker and team, her sister who cares for her, her assessment),
 * her assessment notice and the contact it raised (Task, below), else the first a search returns.
 * Searched as a hospital searches, naming the person.
 */
const EXAMPLE_SEARCHES: Record<string, Record<string, string[]>> = {
  Patient: { identifier: ['https://fhir.nhs.uk/Id/nhs-number|9990000018'] },
  CarePlan: { patient: ['Patient/WXB-100001'] },
  CareTeam: { _id: ['WXB-100001'] },
  Flag: { patient: ['Patient/WXB-100005'] },
  Organization: { _id: ['CQC-1-1000000123'] },
  Practitioner: { _id: ['W-001'] },
  PractitionerRole: { _id: ['W-001'] },
  Communication: { category: ['http://snomed.info/sct|975701000000106'] },
  RelatedPerson: { patient: ['WXB-100001'] },
  Procedure: { patient: ['Patient/WXB-100001'] },
};

export interface TypeExamples {
  /** What a hospital (health view) gets. */
  health?: Resource;
  /** What council staff get, when it differs. */
  socialCare?: Resource;
}

export async function collectExamples(): Promise<Map<string, TypeExamples>> {
  const started = Date.now();
  const store = await Store.open(await openPgliteThread());
  try {
    // The sandbox as every start builds it: its council's files, through the import path.
    await loadSandbox(store);
    const router = new FhirRouter({
      store,
      baseUrl: 'http://localhost:8080/fhir',
      defaultPageSize: 20,
      maxPageSize: 100,
      council: { odsCode: 'WXB', intakeTeamId: 'TEAM-HDT' },
      capability: { version: '0.0.0' },
    });
    const call = (view: View, req: Partial<FhirRequest>) =>
      router.handle({ method: 'GET', path: '/', query: {}, strict: true, context: { view, access: UNRESTRICTED }, ...req });

    const files = readdirSync(SANDBOX_NOTICES).filter((f) => f.endsWith('.json')).sort(noticeOrder);
    for (const file of files) {
      await call('social-care', { method: 'POST', path: '/Communication', body: JSON.parse(readFileSync(join(SANDBOX_NOTICES, file), 'utf8')) });
    }

    const examples = new Map<string, TypeExamples>();
    for (const def of RESOURCE_DEFINITIONS) {
      // Notices and contacts get random ids: the contact shown is the one the example notice raised.
      const notice = examples.get('Communication')?.health?.id;
      const search = def.type === 'Task' && notice ? { focus: [`Communication/${notice}`] } : EXAMPLE_SEARCHES[def.type];
      const query = { ...(search ?? {}), _count: ['1'] };
      const first = async (view: View) => {
        const bundle = (await call(view, { path: `/${def.type}`, query })).resource as Bundle;
        return bundle.entry?.find((e) => e.search?.mode === 'match')?.resource;
      };
      const health = await first('health');
      const socialCare = await first('social-care');
      examples.set(def.type, {
        health,
        socialCare: socialCare && JSON.stringify(socialCare) !== JSON.stringify(health) ? socialCare : undefined,
      });
    }
    return normalise(examples, started, Date.now()) as Map<string, TypeExamples>;
  } finally {
    await store.close();
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Instants written during the run become EXAMPLE_INSTANT; generated UUIDs become fixed ones, in order of appearance. */
function normalise(examples: Map<string, TypeExamples>, from: number, to: number): Map<string, TypeExamples> {
  const uuids = new Map<string, string>();
  const fixUuid = (u: string) => {
    if (!uuids.has(u)) uuids.set(u, `00000000-0000-4000-8000-${String(uuids.size + 1).padStart(12, '0')}`);
    return uuids.get(u)!;
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    if (typeof v === 'string') {
      if (INSTANT.test(v)) {
        const t = Date.parse(v);
        if (t >= from - 1000 && t <= to + 1000) return EXAMPLE_INSTANT;
      }
      return v.replace(UUID, fixUuid);
    }
    return v;
  };
  const out = new Map<string, TypeExamples>();
  for (const [type, e] of examples) out.set(type, walk(e) as TypeExamples);
  return out;
}

/** Assessment and admission notices open referrals; discharge notices and withdrawals follow them. */
export function noticeOrder(a: string, b: string): number {
  const rank = (f: string) => (/assessment|admission/.test(f) ? 0 : /discharge/.test(f) ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}
