/**
 * What the council's CLD return adds, served over FHIR as hospitals, portals and council staff see
 * it: the person's CLD details on Patient, their unpaid carers as RelatedPerson, their assessments
 * and reviews as Procedure, and packages with the new service-type and funding codes and the CLD
 * wording on CarePlan. Over HTTP with real tokens, on both store drivers, from a dataset of its own
 * (test/fixtures/council-records.json) loaded beside the sandbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CapabilityStatement, CarePlan, Extension, OperationOutcome, Patient, Procedure, RelatedPerson, Resource } from '@medplum/fhirtypes';
import type request from 'supertest';
import { errorLines, profileValidator } from '../../src/conformance/validator';
import { Dataset } from '../../src/domain/dataset';
import { definitionOf } from '../../src/fhir/registry';
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const BASE = 'https://fhir.social-care-facade.uk';
const EXT = (name: string) => `${BASE}/StructureDefinition/Extension-${name}`;
const ASSESSMENT_CATEGORY = `${BASE}/CodeSystem/assessment-category`;
const SERVICE_TYPE = `${BASE}/CodeSystem/care-package-service-type`;
const FUNDING = `${BASE}/CodeSystem/care-package-funding`;

const COUNCIL_RECORDS = join(__dirname, '..', 'fixtures', 'council-records.json');
const dataset = JSON.parse(readFileSync(COUNCIL_RECORDS, 'utf8')) as Dataset;

/** Margaret (every CLD detail), cared for by her daughter Ruth and, until 2024, by a neighbour whose own record is restricted. */
const MARGARET = { id: 'WXB-200001', nhs: '9991001018' };
/** Irene's record is restricted: her carer (Paul) and her assessment go with it. */
const IRENE = { id: 'WXB-200005', nhs: '9991001042' };

type As = (req: request.Test) => request.Test;

const matches = <T extends Resource = Resource>(b: Bundle, type?: string): T[] =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'match' && (!type || e.resource?.resourceType === type)).map((e) => e.resource as T);
const included = <T extends Resource = Resource>(b: Bundle, type: string): T[] =>
  (b.entry ?? []).filter((e) => e.search?.mode === 'include' && e.resource?.resourceType === type).map((e) => e.resource as T);
const idsOf = (resources: Resource[]) => resources.map((r) => r.id!).sort();
const outcomeOf = (b: Bundle) => (b.entry ?? []).find((e) => e.search?.mode === 'outcome')?.resource as OperationOutcome | undefined;
const extension = (r: { extension?: Extension[] }, name: string): Extension[] => (r.extension ?? []).filter((e) => e.url === EXT(name));

function profileErrors(resource: Resource): string[] {
  const profile = definitionOf(resource.resourceType)!.profile;
  expect(resource.meta?.profile).toEqual([profile]);
  return errorLines(profileValidator().validate(resource, profile)).map((line) => `${resource.resourceType}/${resource.id}: ${line}`);
}

describe.each(DRIVERS)("the council's CLD records over FHIR (%s)", (driver) => {
  let t: TestApp;
  /** A hospital: health view, every type readable (test-system, system/*.rs). */
  let hospital: As;
  /** Council staff: social-care view. */
  let council: As;
  /** The council's safeguarding hub: the one view that sees restricted records. */
  let hub: As;

  const get = async (as: As, path: string, query: Record<string, string | string[]> = {}) => {
    const res = await as(t.http.get(path).query(query));
    expect({ path, query, status: res.status }).toEqual({ path, query, status: 200 });
    return res.body as Bundle;
  };
  const frontDoor = (as: As, nhs: string) =>
    get(as, '/fhir/Patient', {
      identifier: `${NHS}|${nhs}`,
      _revinclude: ['RelatedPerson:patient', 'Procedure:patient', 'CarePlan:subject'],
    });

  beforeAll(async () => {
    profileValidator();
    t = await startTestApp(driver);
    await t.testStore.store.loadDataset('council-records', dataset);
    hospital = await t.as('test-system');
    council = await t.as('test-social-care');
    hub = await t.as('test-safeguarding-hub');
  }, 60000);
  afterAll(() => t?.close());

  describe('one lookup by NHS number answers all of it', () => {
    it('the person, her carers, her assessments and reviews and her packages, each valid against its profile', async () => {
      for (const as of [council, hospital]) {
        const bundle = await frontDoor(as, MARGARET.nhs);
        expect(idsOf(matches(bundle))).toEqual([MARGARET.id]);
        expect(idsOf(included(bundle, 'RelatedPerson'))).toEqual(['CR-0001', 'CR-0002']);
        expect(idsOf(included(bundle, 'Procedure'))).toEqual(['ASM-2001', 'ASM-2002', 'ASM-2003']);
        expect(idsOf(included(bundle, 'CarePlan'))).toEqual(['PKG-2001', 'PKG-2002']);
        expect((bundle.entry ?? []).flatMap((e) => profileErrors(e.resource!))).toEqual([]);
      }
    });
  });

  describe('Patient', () => {
    it('the council sees every CLD detail: communication needs, unpaid carer, support reason, accommodation, GP practice', async () => {
      const [margaret] = matches<Patient>(await get(council, '/fhir/Patient', { _id: MARGARET.id }));
      expect(extension(margaret, 'CommunicationNeed').map((e) => e.valueCodeableConcept)).toEqual([
        { coding: [{ system: `${BASE}/CodeSystem/communication-need`, code: 'dementia', display: 'Dementia' }], text: 'Dementia' },
        { coding: [{ system: `${BASE}/CodeSystem/communication-need`, code: 'hearing-impairment', display: 'Hearing impairment' }], text: 'Hearing impairment' },
      ]);
      expect(extension(margaret, 'HasUnpaidCarer')).toEqual([{ url: EXT('HasUnpaidCarer'), valueBoolean: true }]);
      expect(extension(margaret, 'PrimarySupportReason')).toEqual([
        { url: EXT('PrimarySupportReason'), valueCodeableConcept: { text: 'Physical Support: Personal care support' } },
      ]);
      expect(extension(margaret, 'AccommodationStatus')).toEqual([
        { url: EXT('AccommodationStatus'), valueCodeableConcept: { text: 'Owner occupier or shared ownership scheme' } },
      ]);
      expect(margaret.generalPractitioner).toEqual([
        { type: 'Organization', identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'Y99001' }, display: 'Hallowfield Medical Practice' },
      ]);
      expect(margaret.deceasedDateTime).toBeUndefined();
      expect(margaret.name).toEqual([{ use: 'official', family: 'Ellison', given: ['Margaret', 'Ann'], prefix: ['Mrs'] }]);
    });

    it('a hospital sees the communication needs, the unpaid carer and the GP practice, not the council\'s classifications', async () => {
      const [margaret] = matches<Patient>(await get(hospital, '/fhir/Patient', { _id: MARGARET.id }));
      expect(extension(margaret, 'CommunicationNeed')).toHaveLength(2);
      expect(extension(margaret, 'HasUnpaidCarer')).toHaveLength(1);
      expect(margaret.generalPractitioner?.[0].identifier?.value).toBe('Y99001');
      expect(extension(margaret, 'PrimarySupportReason')).toEqual([]);
      expect(extension(margaret, 'AccommodationStatus')).toEqual([]);
      expect(JSON.stringify(margaret)).not.toMatch(/Personal care support|Owner occupier/);
      expect(profileErrors(margaret)).toEqual([]);
    });

    it('a person the return brought in without a name has no name element; a postcode-only address and a date of death are valid', async () => {
      for (const as of [hospital, council]) {
        const res = await as(t.http.get('/fhir/Patient/WXB-200004'));
        expect(res.status).toBe(200);
        const patient = res.body as Patient;
        expect(patient.name).toBeUndefined();
        expect(JSON.stringify(patient)).not.toContain('""');
        expect(patient.address).toEqual([{ use: 'home', postalCode: 'WX3 9ZZ' }]);
        expect(patient.deceasedDateTime).toBe('2026-10-14');
        expect(extension(patient, 'HasUnpaidCarer')).toEqual([{ url: EXT('HasUnpaidCarer'), valueBoolean: false }]);
        expect(profileErrors(patient)).toEqual([]);
      }
    });
  });

  describe('CarePlan', () => {
    it('the new service types and funding, and the CLD wording in every view', async () => {
      for (const as of [hospital, council]) {
        const plan = (await as(t.http.get('/fhir/CarePlan/PKG-2001'))).body as CarePlan;
        expect(plan.category?.[0].coding?.[0]).toEqual({ system: SERVICE_TYPE, code: 'shared-lives', display: 'Shared Lives' });
        const funding = extension(plan, 'CarePackageFunding')[0];
        expect(funding.valueCodeableConcept?.coding?.[0]).toMatchObject({ system: FUNDING, code: 'managed-budget' });
        expect(extension(plan, 'CarePackageCldService')).toEqual([
          {
            url: EXT('CarePackageCldService'),
            extension: [
              { url: 'serviceType', valueString: 'Long Term Support: Community' },
              { url: 'serviceComponent', valueString: 'Shared Lives' },
              { url: 'deliveryMechanism', valueString: 'Council managed budget' },
            ],
          },
        ]);
        expect(profileErrors(plan)).toEqual([]);
      }
    });

    it('an ended package says why; a package without CLD wording has no such extension; the new codes are searchable', async () => {
      const ended = (await hospital(t.http.get('/fhir/CarePlan/PKG-2002'))).body as CarePlan;
      expect(ended.status).toBe('completed');
      expect(ended.activity?.[0].detail?.statusReason).toEqual({ text: 'Equipment delivered and fitted' });
      expect(extension(ended, 'CarePackageCldService')[0]).toEqual({
        url: EXT('CarePackageCldService'),
        extension: [
          { url: 'serviceType', valueString: 'Short Term Support: Other Short Term' },
          { url: 'serviceComponent', valueString: 'Equipment' },
        ],
      });
      const plain = (await hub(t.http.get('/fhir/CarePlan/PKG-2004'))).body as CarePlan;
      expect(plain.category?.[0].coding?.[0].code).toBe('other-support');
      expect(extension(plain, 'CarePackageCldService')).toEqual([]);
      for (const code of ['shared-lives', 'equipment', 'carer-support']) {
        const found = matches<CarePlan>(await get(council, '/fhir/CarePlan', { category: `${SERVICE_TYPE}|${code}` }));
        // The sandbox has a carer-support package of its own (Barbara's sister's) beside these records'.
        expect(found.length).toBeGreaterThan(0);
        expect(new Set(found.map((p) => p.category?.[0].coding?.[0].code))).toEqual(new Set([code]));
      }
      const carerSupport = (await council(t.http.get('/fhir/CarePlan/PKG-2003'))).body as CarePlan;
      expect(carerSupport.subject?.reference).toBe('Patient/WXB-200002');
      expect(profileErrors(carerSupport)).toEqual([]);
    });
  });

  describe('RelatedPerson: the carer', () => {
    it('one per care relationship: the cared-for person, active, period, Carer coded with the relationship in words, the carer\'s name, numbers and address', async () => {
      const res = await hospital(t.http.get('/fhir/RelatedPerson/CR-0001'));
      expect(res.status).toBe(200);
      const ruth = res.body as RelatedPerson;
      expect(ruth).toMatchObject({
        resourceType: 'RelatedPerson',
        id: 'CR-0001',
        active: true,
        patient: { reference: `Patient/${MARGARET.id}` },
        period: { start: '2023-05-01' },
        identifier: [
          { system: NHS, value: '9991001026' },
          { system: `${BASE}/Id/social-care-reference`, value: 'WXB-200002' },
        ],
        name: [{ use: 'official', family: 'Ellison', given: ['Ruth'], prefix: ['Ms'] }],
        telecom: [
          { system: 'phone', value: '07700 900 302', use: 'mobile' },
          { system: 'email', value: 'ruth.ellison@example.org', use: 'home' },
        ],
        address: [{ use: 'home', line: ['12 Orchard Row'], city: 'Stenbury', postalCode: 'WX5 2HD' }],
      });
      expect(ruth.relationship).toEqual([
        {
          coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdditionalPersonRelationshipRole', code: 'Carer', display: 'Carer of patient' }],
          text: 'Unpaid carer (Daughter)',
        },
      ]);
      expect(ruth.meta?.security).toBeUndefined();
      expect(profileErrors(ruth)).toEqual([]);
    });

    it('a carer whose own record is restricted: the relationship shows, nothing that identifies or reaches them', async () => {
      for (const as of [hospital, council]) {
        const res = await as(t.http.get('/fhir/RelatedPerson/CR-0002'));
        expect(res.status).toBe(200);
        const neighbour = res.body as RelatedPerson;
        expect(neighbour).toMatchObject({ active: false, patient: { reference: `Patient/${MARGARET.id}` }, period: { start: '2022-01-10', end: '2024-06-30' } });
        expect(neighbour.name).toBeUndefined();
        expect(neighbour.identifier).toBeUndefined();
        expect(neighbour.telecom).toBeUndefined();
        expect(neighbour.address).toBeUndefined();
        expect(neighbour.meta?.security).toEqual([{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'REDACTED', display: 'redacted' }]);
        expect(neighbour.relationship?.[0].text).toMatch(/not shared.*council/);
        expect(JSON.stringify(neighbour)).not.toMatch(/Baines|Thomas|WXB-200003|9991001034|960 303|Neighbour/);
        expect(profileErrors(neighbour)).toEqual([]);
        // Nor does the carer's own record leak through a search of carers.
        const all = await get(as, '/fhir/RelatedPerson', { patient: `Patient/${MARGARET.id}` });
        expect(JSON.stringify(all)).not.toMatch(/Baines|WXB-200003/);
      }
      const seen = (await hub(t.http.get('/fhir/RelatedPerson/CR-0002'))).body as RelatedPerson;
      expect(seen.name?.[0].family).toBe('Baines');
      expect(seen.meta?.security).toBeUndefined();
    });

    it('search by _id, by patient (reference, bare id, :identifier, chained) and by active', async () => {
      const carersOf = async (q: Record<string, string>) => idsOf(matches(await get(council, '/fhir/RelatedPerson', q)));
      expect(await carersOf({ _id: 'CR-0001' })).toEqual(['CR-0001']);
      expect(await carersOf({ _id: 'CR-0001,CR-0002' })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ patient: `Patient/${MARGARET.id}` })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ patient: MARGARET.id })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ 'patient:identifier': `${NHS}|${MARGARET.nhs}` })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ 'patient.identifier': `${NHS}|${MARGARET.nhs}` })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ 'patient.family': 'Ellison' })).toEqual(['CR-0001', 'CR-0002']);
      expect(await carersOf({ patient: `Patient/${MARGARET.id}`, active: 'true' })).toEqual(['CR-0001']);
      expect(await carersOf({ patient: `Patient/${MARGARET.id}`, active: 'false' })).toEqual(['CR-0002']);
      // The carer is not the person cared for.
      expect(await carersOf({ patient: 'Patient/WXB-200002' })).toEqual([]);
      const bad = await council(t.http.get('/fhir/RelatedPerson').query({ 'patient:identifier': `${NHS}|9991001019` }));
      expect(bad.status).toBe(400);
      expect(bad.body.issue[0].diagnostics).toMatch(/not a valid NHS number/);
    });

    it('RelatedPerson:patient includes the person cared for', async () => {
      const bundle = await get(hospital, '/fhir/RelatedPerson', { patient: `Patient/${MARGARET.id}`, _id: 'CR-0001', _include: 'RelatedPerson:patient' });
      expect(idsOf(included(bundle, 'Patient'))).toEqual([MARGARET.id]);
    });
  });

  describe('Procedure: assessments and reviews', () => {
    it('an assessment: status, category, type, subject, period, outcome; the council also sees the method and eligibility', async () => {
      const asCouncil = (await council(t.http.get('/fhir/Procedure/ASM-2001'))).body as Procedure;
      expect(asCouncil).toMatchObject({
        status: 'completed',
        category: { coding: [{ system: ASSESSMENT_CATEGORY, code: 'assessment', display: 'Needs assessment' }] },
        code: { text: 'Long Term Support: Care Act assessment' },
        subject: { reference: `Patient/${MARGARET.id}` },
        performedPeriod: { start: '2024-01-10', end: '2024-02-02' },
        outcome: { text: 'Long Term Support (any)' },
      });
      expect(asCouncil.extension).toEqual([
        { url: EXT('AssessmentMethod'), valueCodeableConcept: { text: 'Face to face' } },
        { url: EXT('EligibleNeedsIdentified'), valueBoolean: true },
      ]);
      expect(profileErrors(asCouncil)).toEqual([]);
      const asHospital = (await hospital(t.http.get('/fhir/Procedure/ASM-2001'))).body as Procedure;
      expect(asHospital.extension).toBeUndefined();
      expect(asHospital.outcome).toEqual({ text: 'Long Term Support (any)' });
      expect(profileErrors(asHospital)).toEqual([]);
    });

    it('a review says whether the outcomes were met (council only); one in progress has no end', async () => {
      const review = (await council(t.http.get('/fhir/Procedure/ASM-2002'))).body as Procedure;
      expect(review.category?.coding?.[0].code).toBe('review');
      expect(extension(review, 'ReviewOutcomesAchieved')).toEqual([
        { url: EXT('ReviewOutcomesAchieved'), valueCodeableConcept: { text: 'Outcomes fully met' } },
      ]);
      expect(JSON.stringify((await hospital(t.http.get('/fhir/Procedure/ASM-2002'))).body)).not.toMatch(/Outcomes fully met/);
      const open = (await hospital(t.http.get('/fhir/Procedure/ASM-2003'))).body as Procedure;
      expect(open).toMatchObject({ status: 'in-progress', performedPeriod: { start: '2026-11-02' }, code: { text: 'Unplanned review' } });
      expect(open.performedPeriod?.end).toBeUndefined();
      expect(open.outcome).toBeUndefined();
      expect(profileErrors(open)).toEqual([]);
    });

    it('search by _id, patient, subject, date, status and category', async () => {
      const found = async (q: Record<string, string>) => idsOf(matches(await get(hospital, '/fhir/Procedure', q)));
      const hers = { patient: `Patient/${MARGARET.id}` };
      expect(await found({ ...hers, _id: 'ASM-2002' })).toEqual(['ASM-2002']);
      expect(await found(hers)).toEqual(['ASM-2001', 'ASM-2002', 'ASM-2003']);
      expect(await found({ 'patient.identifier': `${NHS}|${MARGARET.nhs}` })).toEqual(['ASM-2001', 'ASM-2002', 'ASM-2003']);
      expect(await found({ 'patient:identifier': `${NHS}|${MARGARET.nhs}` })).toEqual(['ASM-2001', 'ASM-2002', 'ASM-2003']);
      expect(await found({ subject: `Patient/${MARGARET.id}` })).toEqual(['ASM-2001', 'ASM-2002', 'ASM-2003']);
      expect(await found({ ...hers, date: 'ge2025-01-01' })).toEqual(['ASM-2002', 'ASM-2003']);
      expect(await found({ ...hers, date: 'lt2024-01-10' })).toEqual([]);
      // eq: the whole period within the value's range.
      expect(await found({ ...hers, date: '2024' })).toEqual(['ASM-2001']);
      expect(await found({ ...hers, date: '2024-01' })).toEqual([]);
      expect(await found({ ...hers, date: 'ge2027-01-01' })).toEqual(['ASM-2003']); // still in progress
      expect(await found({ ...hers, status: 'completed' })).toEqual(['ASM-2001', 'ASM-2002']);
      expect(await found({ ...hers, status: 'in-progress' })).toEqual(['ASM-2003']);
      expect(await found({ ...hers, 'status:not': 'completed' })).toEqual(['ASM-2003']);
      expect(await found({ ...hers, category: 'review' })).toEqual(['ASM-2002', 'ASM-2003']);
      expect(await found({ ...hers, category: `${ASSESSMENT_CATEGORY}|assessment` })).toEqual(['ASM-2001']);
      expect(await found({ ...hers, 'category:not': 'assessment' })).toEqual(['ASM-2002', 'ASM-2003']);
      expect(await found({ ...hers, category: 'http://other.example|assessment' })).toEqual([]);
      const badDate = await hospital(t.http.get('/fhir/Procedure').query({ date: 'last-tuesday' }));
      expect(badDate.status).toBe(400);
      expect(badDate.body.issue[0].diagnostics).toMatch(/date: "last-tuesday" is not a FHIR date/);
    });
  });

  describe('a restricted person: their carers and assessments go with them', () => {
    it('the front door answers the council\'s numbers and nothing of her', async () => {
      for (const as of [hospital, council]) {
        const bundle = await frontDoor(as, IRENE.nhs);
        expect(matches(bundle)).toEqual([]);
        expect(outcomeOf(bundle)?.issue?.[0]).toMatchObject({ severity: 'warning', code: 'suppressed' });
        expect(JSON.stringify(bundle)).not.toMatch(/Marsh|CR-0003|ASM-2004|WXB-200006/);
      }
    });

    it('reads are refused and searches leave her records out; only the restricted view sees them', async () => {
      for (const path of ['/fhir/RelatedPerson/CR-0003', '/fhir/Procedure/ASM-2004']) {
        for (const as of [hospital, council]) {
          const res = await as(t.http.get(path));
          expect({ path, status: res.status, code: res.body.issue?.[0].code }).toEqual({ path, status: 403, code: 'suppressed' });
        }
        expect((await hub(t.http.get(path))).status).toBe(200);
      }
      for (const type of ['RelatedPerson', 'Procedure']) {
        const bundle = await get(hospital, `/fhir/${type}`, { 'patient.identifier': `${NHS}|${IRENE.nhs}` });
        expect(matches(bundle)).toEqual([]);
        expect(outcomeOf(bundle)?.issue?.[0].code).toBe('suppressed');
        const everything = await get(council, `/fhir/${type}`, { _count: '100' });
        expect(JSON.stringify(everything)).not.toMatch(/WXB-200005|CR-0003|ASM-2004/);
      }
      const seen = await frontDoor(hub, IRENE.nhs);
      expect(idsOf(included(seen, 'RelatedPerson'))).toEqual(['CR-0003']);
      expect(idsOf(included(seen, 'Procedure'))).toEqual(['ASM-2004']);
    });

    it("her carer's own Patient record is not restricted and stays readable", async () => {
      const paul = await hospital(t.http.get('/fhir/Patient/WXB-200006'));
      expect(paul.status).toBe(200);
      expect(JSON.stringify(paul.body)).not.toMatch(/WXB-200005|Irene/);
    });
  });

  describe('the REST rules every type keeps', () => {
    it.each(['RelatedPerson', 'Procedure'])('%s: an unknown parameter is refused under handling=strict and ignored with a warning otherwise', async (type) => {
      // A hospital names the person it searches for (a search naming nobody is refused before its parameters are read).
      const strict = await hospital(t.http.get(`/fhir/${type}`).set('Prefer', 'handling=strict').query({ colour: 'blue', patient: `Patient/${MARGARET.id}` }));
      expect(strict.status).toBe(400);
      expect(strict.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
      expect(strict.body.issue[0].diagnostics).toMatch(/colour/);
      const lenient = await get(hospital, `/fhir/${type}`, { colour: 'blue', _count: '1', patient: `Patient/${MARGARET.id}` });
      expect(outcomeOf(lenient)?.issue?.[0]).toMatchObject({ severity: 'warning', expression: ['colour'] });
      const modifier = await hospital(t.http.get(`/fhir/${type}`).query({ 'patient:above': 'Patient/x' }));
      expect(modifier.status).toBe(400);
    });

    it('SMART scopes: system/RelatedPerson.rs and system/Procedure.rs grant them; a token without them is refused them and gets no revincludes of them', async () => {
      const narrow = await t.as('test-system', 'system/Patient.rs system/RelatedPerson.rs system/Procedure.rs');
      expect((await narrow(t.http.get('/fhir/RelatedPerson/CR-0001'))).status).toBe(200);
      expect((await narrow(t.http.get('/fhir/Procedure/ASM-2001'))).status).toBe(200);
      const patientOnly = await t.as('test-system', 'system/Patient.rs');
      const refused = await patientOnly(t.http.get('/fhir/RelatedPerson').query({ patient: `Patient/${MARGARET.id}` }));
      expect(refused.status).toBe(403);
      expect((await patientOnly(t.http.get('/fhir/Procedure/ASM-2001'))).status).toBe(403);
      const bundle = await frontDoor(patientOnly, MARGARET.nhs);
      expect(idsOf(matches(bundle))).toEqual([MARGARET.id]);
      expect(included(bundle, 'RelatedPerson')).toEqual([]);
      expect(included(bundle, 'Procedure')).toEqual([]);
    });

    it('the CapabilityStatement declares both types, their parameters, and the revincludes that reach them from Patient', async () => {
      const cs = (await t.http.get('/fhir/metadata')).body as CapabilityStatement;
      const byType = new Map(cs.rest![0].resource!.map((r) => [r.type, r]));
      expect(byType.get('RelatedPerson')?.profile).toBe(`${BASE}/StructureDefinition/SocialCare-Carer`);
      expect(byType.get('Procedure')?.profile).toBe(`${BASE}/StructureDefinition/SocialCare-Assessment`);
      expect(byType.get('RelatedPerson')!.searchParam!.map((p) => p.name).sort()).toEqual(['_id', '_lastUpdated', 'active', 'patient']);
      expect(byType.get('Procedure')!.searchParam!.map((p) => p.name).sort()).toEqual(['_id', '_lastUpdated', 'category', 'date', 'patient', 'status', 'subject']);
      expect(byType.get('Patient')!.searchRevInclude).toEqual(expect.arrayContaining(['RelatedPerson:patient', 'Procedure:patient', 'CarePlan:subject']));
    });
  });
});
