/**
 * Our CodeSystems and ValueSets (profiles/terminology/) are generated from the domain constants:
 * the committed files must be what the generator writes now, and their codes the domain's.
 */
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { join } from 'node:path';
import { readProfileFiles } from '../../../src/conformance/profileFiles';
import { CONTACT_OUTCOMES, generateTerminology } from '../../../tools/conformance/terminology';
import { TerminologyIndex } from '../../../src/conformance/terminologyIndex';
import { FUNDING_TYPES, SERVICE_TYPES } from '../../../src/domain/carePackage';
import { CONTACT_STATUSES } from '../../../src/domain/contact';
import { NOTICE_KINDS } from '../../../src/domain/notice';
import { CONCERN_TYPES } from '../../../src/domain/safeguarding';
import { ACCESS_NOTIFICATION } from '../../../src/fhir/accessNotifications';
import { CONTACT_PURPOSES } from '../../../src/fhir/resources/task';
import { COMMUNICATION_NEEDS } from '../../../src/domain/person';
import {
  ASSESSMENT_CATEGORY_SYSTEM,
  COMMUNICATION_CATEGORY_SYSTEM,
  COMMUNICATION_NEED_SYSTEM,
  CONCERN_TYPE_SYSTEM,
  CONTACT_OUTCOME_SYSTEM,
  CONTACT_PURPOSE_SYSTEM,
  FUNDING_SYSTEM,
  NOTICE_KIND_VALUESET,
  SERVICE_TYPE_SYSTEM,
  SERVICE_TYPE_VALUESET,
} from '../../../src/fhir/systems';

const PROFILES_DIR = join(__dirname, '..', '..', '..', 'profiles');
const files = () => readProfileFiles(PROFILES_DIR, 'terminology').map((f) => f.resource as CodeSystem | ValueSet);
const codeSystem = (url: string) => files().find((r): r is CodeSystem => r.resourceType === 'CodeSystem' && r.url === url)!;
const codes = (cs: CodeSystem) => Object.fromEntries((cs.concept ?? []).map((c) => [c.code, c.display]));

describe('profiles/terminology', () => {
  it('is exactly what the generator writes from the domain constants (else run: npm run conformance:terminology)', () => {
    const results = generateTerminology(PROFILES_DIR, { write: false });
    expect(results.filter((r) => !r.upToDate).map((r) => r.file)).toEqual([]);
    // A CodeSystem and its ValueSet for each of 8 code systems of ours, and the notice kinds' ValueSet.
    expect(results).toHaveLength(17);
  });

  it.each([
    [SERVICE_TYPE_SYSTEM, SERVICE_TYPES],
    [FUNDING_SYSTEM, FUNDING_TYPES],
    [CONCERN_TYPE_SYSTEM, CONCERN_TYPES],
    [CONTACT_PURPOSE_SYSTEM, CONTACT_PURPOSES],
    [COMMUNICATION_CATEGORY_SYSTEM, { [ACCESS_NOTIFICATION.code]: ACCESS_NOTIFICATION.display }],
    [COMMUNICATION_NEED_SYSTEM, COMMUNICATION_NEEDS],
    [ASSESSMENT_CATEGORY_SYSTEM, { assessment: 'Needs assessment', review: 'Review' }],
  ] as const)('%s has the domain codes and displays', (url, domain) => {
    expect(codes(codeSystem(url))).toEqual(domain);
  });

  it('contact outcomes cover every contact status but "requested", withdrawal as cancelled-withdrawn', () => {
    expect(Object.keys(codes(codeSystem(CONTACT_OUTCOME_SYSTEM)))).toEqual(['accepted', 'rejected', 'in-progress', 'completed', 'cancelled-withdrawn']);
    expect(Object.keys(CONTACT_OUTCOMES).sort()).toEqual(CONTACT_STATUSES.filter((s) => s !== 'requested').sort());
  });

  it('the notice-kind value set lists the SNOMED CT codes of every notice kind the facade accepts', () => {
    const vs = files().find((r): r is ValueSet => r.resourceType === 'ValueSet' && r.url === NOTICE_KIND_VALUESET)!;
    expect(vs.compose!.include).toEqual([{ system: 'http://snomed.info/sct', concept: Object.values(NOTICE_KINDS).map(({ code, display }) => ({ code, display })) }]);
  });

  it('every value set of ours expands offline', () => {
    const index = new TerminologyIndex(files());
    for (const vs of files().filter((r) => r.resourceType === 'ValueSet')) {
      expect({ url: vs.url, expands: !!index.expand(vs.url!) }).toEqual({ url: vs.url, expands: true });
    }
    expect([...index.expand(SERVICE_TYPE_VALUESET)!.codings]).toEqual(Object.keys(SERVICE_TYPES).map((c) => `${SERVICE_TYPE_SYSTEM}|${c}`));
  });
});
