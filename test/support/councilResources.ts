/**
 * Resources the council's integration engine would send: a person and a care package, in our
 * profiles, with the sandbox's people, providers and teams (fixtures/sandbox/council/).
 */
import type { CarePlan, Patient } from '@medplum/fhirtypes';

const BASE = 'https://fhir.social-care-facade.uk';
export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
export const SOCIAL_CARE_REFERENCE = `${BASE}/Id/social-care-reference`;
export const CARE_PACKAGE_ID = `${BASE}/Id/care-package`;
export const SERVICE_TYPE = `${BASE}/CodeSystem/care-package-service-type`;
export const FUNDING = `${BASE}/CodeSystem/care-package-funding`;
export const FUNDING_EXTENSION = `${BASE}/StructureDefinition/Extension-CarePackageFunding`;

export interface CarePlanOptions {
  /** Set for PUT [type]/[id]; left out for a create or a conditional update. */
  id?: string;
  status?: CarePlan['status'];
  statusReason?: string;
  /** The provider's id (default Brightwater Home Care, CQC-1-1000000123). */
  provider?: string;
  /** The person (default Barbara Thornton, WXB-100001), or a reference as written (urn:uuid:...). */
  person?: string;
  serviceType?: string;
  start?: string;
  end?: string;
}

/** A home-care package, funded by the council, as the council's system would send it. */
export function carePlanOf(packageId: string, o: CarePlanOptions = {}): CarePlan {
  const subject = o.person?.startsWith('urn:') || o.person?.includes('?') ? o.person : `Patient/${o.person ?? 'WXB-100001'}`;
  return {
    resourceType: 'CarePlan',
    ...(o.id ? { id: o.id } : {}),
    extension: [{ url: FUNDING_EXTENSION, valueCodeableConcept: { coding: [{ system: FUNDING, code: 'council' }] } }],
    identifier: [{ system: CARE_PACKAGE_ID, value: packageId }],
    status: o.status ?? 'active',
    intent: 'plan',
    category: [{ coding: [{ system: SERVICE_TYPE, code: o.serviceType ?? 'home-care' }] }],
    title: 'Home care (domiciliary care)',
    description: 'Home care, four visits a day',
    subject: { reference: subject },
    period: { start: o.start ?? '2026-11-20', ...(o.end ? { end: o.end } : {}) },
    activity: [
      {
        detail: {
          code: { coding: [{ system: SERVICE_TYPE, code: o.serviceType ?? 'home-care' }] },
          status: o.status === 'on-hold' ? 'on-hold' : o.status === 'completed' ? 'completed' : 'in-progress',
          ...(o.statusReason ? { statusReason: { text: o.statusReason } } : {}),
          performer: [{ reference: `Organization/${o.provider ?? 'CQC-1-1000000123'}` }],
        },
      },
    ],
  };
}

/** A person the council has just started supporting. */
export function patientOf(id: string, nhsNumber: string, o: { family?: string } = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { system: NHS, value: nhsNumber },
      { system: SOCIAL_CARE_REFERENCE, value: id },
    ],
    name: [{ use: 'official', family: o.family ?? 'Ashworth', given: ['Dorothy'] }],
    gender: 'female',
    birthDate: '1938-04-02',
    address: [{ use: 'home', line: ['14 Mill Lane'], city: 'Hallowfield', postalCode: 'WX3 2PQ' }],
  };
}
