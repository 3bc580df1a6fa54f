import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Communication, Patient } from '@medplum/fhirtypes';

const NOTICES = path.join(__dirname, '..', '..', 'fixtures', 'notices');
export const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
export const NOTICE_ID = 'https://fhir.example-hospital.nhs.uk/Id/adw-notice';

/** One of the example notices in fixtures/notices/, as sent by the sandbox hospital (RX1). */
export function exampleNotice(name: string): Communication {
  return JSON.parse(readFileSync(path.join(NOTICES, `${name}.json`), 'utf8'));
}

/**
 * The notice made about another person: the subject and the contained Patient's NHS number, and
 * the contained Patient's birth date when given (a notice about a known person must agree with the
 * council's record of them).
 */
export function about(notice: Communication, nhsNumber: string, birthDate?: string): Communication {
  const n = structuredClone(notice);
  n.subject = { identifier: { system: NHS, value: nhsNumber } };
  const patient = n.contained?.find((r) => r.resourceType === 'Patient') as Patient | undefined;
  if (patient) {
    patient.identifier = [{ system: NHS, value: nhsNumber }, ...(patient.identifier ?? []).filter((i) => i.system !== NHS)];
    if (birthDate) patient.birthDate = birthDate;
  }
  return n;
}

/** The notice as sent by another hospital. */
export function fromSender(notice: Communication, ods: string): Communication {
  return { ...structuredClone(notice), sender: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: ods } } };
}
