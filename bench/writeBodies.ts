import { randomUUID } from 'node:crypto';
import { checkDigitFor } from '../src/domain/nhsNumber';
import { NHS } from './frontDoor';

/**
 * What the council's integration engine sends, as the writes round sends it: people and care
 * packages in our profiles (as test/support/councilResources.ts and docs/examples/ write them), the
 * packages with the sandbox's provider Brightwater Home Care.
 */
const BASE = 'https://fhir.social-care-facade.uk';
const SOCIAL_CARE_REFERENCE = `${BASE}/Id/social-care-reference`;
export const CARE_PACKAGE_ID = `${BASE}/Id/care-package`;
const SERVICE_TYPE = `${BASE}/CodeSystem/care-package-service-type`;
const FUNDING = `${BASE}/CodeSystem/care-package-funding`;
const FUNDING_EXTENSION = `${BASE}/StructureDefinition/Extension-CarePackageFunding`;
/** By its id; inside a transaction by its CQC location id, as docs/examples/ name it (only a transaction resolves that). */
const PROVIDER = 'Organization/CQC-1-1000000123';
const PROVIDER_BY_CQC_ID = `Organization?identifier=${BASE}/Id/cqc-location-id|1-1000000123`;

/**
 * NHS numbers that pass Modulus 11 and that no sandbox or synthetic person holds (the sandbox uses
 * 999 000 xxxx, synthetic populations 999 100 xxxx upwards): 999 2xx xxxx, in order.
 */
export function* benchNhsNumbers(): Generator<string> {
  for (let n = 0; n < 100_000; n++) {
    const nine = `9992${String(n).padStart(5, '0')}`;
    const check = checkDigitFor(nine);
    if (check >= 0) yield `${nine}${check}`;
  }
  throw new Error('the 999 2xx xxxx range is used up');
}

export function conditionalUrl(packageId: string): string {
  return `CarePlan?identifier=${CARE_PACKAGE_ID}|${packageId}`;
}

/** A council-funded home-care package; `changed` puts it on hold, as a hospital admission does. */
export function carePlan(packageId: string, subject: string, changed = false, provider = PROVIDER): object {
  return {
    resourceType: 'CarePlan',
    extension: [{ url: FUNDING_EXTENSION, valueCodeableConcept: { coding: [{ system: FUNDING, code: 'council' }] } }],
    identifier: [{ system: CARE_PACKAGE_ID, value: packageId }],
    status: changed ? 'on-hold' : 'active',
    intent: 'plan',
    category: [{ coding: [{ system: SERVICE_TYPE, code: 'home-care' }] }],
    title: 'Home care (domiciliary care)',
    description: 'Home care, four visits a day',
    subject: { reference: subject },
    period: { start: '2026-12-01' },
    activity: [
      {
        detail: {
          code: { coding: [{ system: SERVICE_TYPE, code: 'home-care' }] },
          status: changed ? 'on-hold' : 'in-progress',
          ...(changed ? { statusReason: { text: 'Admitted to Wexbridge General Hospital' } } : {}),
          performer: [{ reference: provider }],
        },
      },
    ],
  };
}

function patient(reference: string, nhsNumber: string): object {
  return {
    resourceType: 'Patient',
    identifier: [
      { system: NHS, value: nhsNumber },
      { system: SOCIAL_CARE_REFERENCE, value: reference },
    ],
    name: [{ use: 'official', family: 'Ashworth', given: ['Dorothy'] }],
    gender: 'female',
    birthDate: '1938-04-02',
    address: [{ use: 'home', line: ['14 Mill Lane'], city: 'Hallowfield', postalCode: 'WX3 2PQ' }],
  };
}

/**
 * A transaction of `people` new people and a package for each, the package naming its person by the
 * person's urn:uuid full URL and written by conditional update, as docs/examples/ write them.
 */
export function transaction(tag: string, people: number, nhsNumbers: Iterator<string>): object {
  const entry: object[] = [];
  for (let i = 0; i < people; i++) {
    const fullUrl = `urn:uuid:${randomUUID()}`;
    const nhs = nhsNumbers.next().value as string;
    entry.push({ fullUrl, resource: patient(`BENCH-P-${tag}-${i}`, nhs), request: { method: 'POST', url: 'Patient' } });
    const pkg = `BENCH-T-${tag}-${i}`;
    entry.push({ resource: carePlan(pkg, fullUrl, false, PROVIDER_BY_CQC_ID), request: { method: 'PUT', url: conditionalUrl(pkg) } });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
