/**
 * POST [type]/$validate: every problem with its expression, an information issue when there are
 * none; 400 for a request it cannot act on; the caller needs read access to the type.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CarePlan, Communication, Flag, OperationOutcome, OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import request from 'supertest';
import { PROFILES } from '../../src/fhir/systems';
import { startTestApp, TestApp } from '../support/app';

const UKCORE_PATIENT = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient';
const NOTICE = join(__dirname, '..', '..', 'fixtures', 'notices', 'assessment-notice.json');

describe('$validate', () => {
  let t: TestApp;
  let api: ReturnType<typeof request.agent>;
  let patient: Patient;
  let carePlan: CarePlan;
  let flag: Flag;

  beforeAll(async () => {
    t = await startTestApp('pglite');
    api = request.agent(t.app).set('Authorization', await t.bearer());
    patient = (await api.get('/fhir/Patient/WXB-100001')).body;
    carePlan = (await api.get('/fhir/CarePlan/PKG-0001')).body;
    flag = (await api.get('/fhir/Flag/SG-0001')).body;
  });
  afterAll(() => t.close());

  const validate = (type: string, body: unknown, query: Record<string, string> = {}) =>
    api.post(`/fhir/${type}/$validate`).query(query).set('Content-Type', 'application/fhir+json').send(body as object);
  const errors = (outcome: OperationOutcome): OperationOutcomeIssue[] => outcome.issue!.filter((i) => i.severity === 'error');
  const expressions = (outcome: OperationOutcome) => errors(outcome).map((i) => i.expression?.[0]);

  it('a resource the facade served is valid against its profile: one information issue', async () => {
    for (const [type, resource] of [['Patient', patient], ['CarePlan', carePlan], ['Flag', flag]] as const) {
      const res = await validate(type, resource);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
      expect(res.body).toEqual({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational', diagnostics: `No problems found: valid against ${PROFILES[type]}`, expression: [type] }],
      });
    }
  });

  it('lists every problem, each with its expression', async () => {
    const broken: Patient = {
      ...patient,
      gender: 'woman' as Patient['gender'],
      identifier: [
        { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '99900000' },
        { system: 'https://fhir.social-care-facade.uk/Id/social-care-reference' },
      ],
      name: [{ use: 'usual', given: ['Barbara'] }],
    };
    const res = await validate('Patient', broken);
    expect(res.status).toBe(200);
    const outcome = res.body as OperationOutcome;
    expect(outcome.issue!.every((i) => i.expression?.length)).toBe(true);
    expect(expressions(outcome)).toEqual(
      expect.arrayContaining([
        'Patient', // scp-1: the NHS number has 10 digits
        'Patient.gender',
        'Patient.name.use',
        'Patient.identifier[1].value', // inside slice socialCareReference: value 1..1
      ]),
    );
    expect(errors(outcome).find((i) => i.expression![0] === 'Patient')!.details!.text).toMatch(/scp-1/);
    // A name may lack a family name (the council may hold only a given one).
    expect(expressions(outcome)).not.toContain('Patient.name[0].family');
  });

  it('refuses a name that says nothing (no family and no given name): a person without one has no name element', async () => {
    const res = await validate('Patient', { ...patient, name: [{ use: 'official', prefix: ['Mrs'] }] });
    const problems = errors(res.body as OperationOutcome);
    expect(problems.map((i) => i.expression)).toEqual([['Patient']]);
    expect(problems[0].details!.text).toMatch(/scp-2/);
    const { name: _name, ...nameless } = patient;
    expect(errors((await validate('Patient', nameless)).body as OperationOutcome)).toEqual([]);
  });

  it('checks codes against our value sets and references against the profiles they must point at', async () => {
    const broken: CarePlan = {
      ...carePlan,
      category: [{ coding: [{ system: 'https://fhir.social-care-facade.uk/CodeSystem/care-package-service-type', code: 'gardening' }] }],
      extension: [{ url: 'https://fhir.social-care-facade.uk/StructureDefinition/Extension-CarePackageFunding', valueCodeableConcept: { coding: [{ system: 'https://fhir.social-care-facade.uk/CodeSystem/care-package-funding', code: 'lottery' }] } }],
      author: { reference: 'Patient/WXB-100001' },
    };
    const outcome = (await validate('CarePlan', broken)).body as OperationOutcome;
    expect(expressions(outcome)).toEqual(
      expect.arrayContaining(['CarePlan.category[0]', 'CarePlan.extension[0].valueCodeableConcept', 'CarePlan.author.reference']),
    );
    const text = errors(outcome).map((i) => i.details?.text).join('\n');
    expect(text).toMatch(/gardening.*care-package-service-type/);
    expect(text).toMatch(/lottery.*care-package-funding/);
    expect(text).toMatch(/Reference to Patient/);
  });

  it('a safeguarding flag must be in the safeguarding category, and its author a team', async () => {
    const outcome = (await validate('Flag', { ...flag, category: [{ coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-RecordStandardHeadings', code: 'alerts' }] }] })).body;
    expect(expressions(outcome)).toEqual(['Flag.category[0]']);
  });

  it('?profile= and a Parameters body choose another profile this server publishes', async () => {
    const noReference = { ...patient, identifier: patient.identifier!.slice(0, 1) };
    expect(expressions((await validate('Patient', noReference)).body)).toEqual(['Patient.identifier']);
    const ukCore = await validate('Patient', noReference, { profile: UKCORE_PATIENT });
    expect(ukCore.body.issue).toEqual([expect.objectContaining({ severity: 'information', diagnostics: `No problems found: valid against ${UKCORE_PATIENT}` })]);
    const parameters = await validate('Patient', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: noReference },
        { name: 'profile', valueUri: UKCORE_PATIENT },
      ],
    });
    expect(parameters.status).toBe(200);
    expect(parameters.body.issue[0].diagnostics).toContain(UKCORE_PATIENT);
    const defaultProfile = await validate('Patient', { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: noReference }] });
    expect(expressions(defaultProfile.body)).toEqual(['Patient.identifier']);
  });

  it('a hospital notice is checked against SocialCare-HospitalNotice and against what sending it would require', async () => {
    const notice = JSON.parse(readFileSync(NOTICE, 'utf8')) as Communication;
    const ok = await validate('Communication', notice);
    expect(ok.body.issue).toEqual([expect.objectContaining({ severity: 'information' })]);
    const { sender: _sender, ...noSender } = notice;
    const withdrawal = {
      ...noSender,
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '975841000000102' }] }],
    };
    const outcome = (await validate('Communication', withdrawal)).body as OperationOutcome;
    const found = errors(outcome).map((i) => `${i.code} ${i.expression![0]}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'invariant Communication', // shn-1: a withdrawal names what it withdraws and why
        'structure Communication.sender',
        'business-rule Communication.sender',
        'business-rule Communication.inResponseTo',
      ]),
    );
  });

  describe('400 for a request it cannot act on', () => {
    it.each([
      ['broken JSON', '{"resourceType": "Patient", '],
      ['no body', undefined],
      ['an array', '[]'],
      ['a resource of another type', JSON.stringify({ resourceType: 'Flag' })],
      ['no resourceType', JSON.stringify({ name: [{ family: 'x' }] })],
      ['Parameters without a resource', JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'profile', valueUri: UKCORE_PATIENT }] })],
    ])('%s', async (_what, body) => {
      const req = api.post('/fhir/Patient/$validate').set('Content-Type', 'application/fhir+json');
      const res = body === undefined ? await req : await req.send(body);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0].severity).toBe('error');
    });

    it('an unknown profile, or a profile of another type', async () => {
      const unknown = await validate('Patient', patient, { profile: 'https://example.org/StructureDefinition/Nope' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.issue[0]).toMatchObject({ code: 'not-found', expression: ['profile'] });
      expect(unknown.body.issue[0].diagnostics).toMatch(/Unknown profile https:\/\/example.org/);
      const otherType = await validate('Patient', patient, { profile: PROFILES.Flag });
      expect(otherType.status).toBe(400);
      expect(otherType.body.issue[0].diagnostics).toMatch(/profile of Flag, not Patient/);
    });

    it('415 for an XML body, 405 for GET', async () => {
      expect((await api.post('/fhir/Patient/$validate').set('Content-Type', 'application/fhir+xml').send('<Patient/>')).status).toBe(415);
      const get = await api.get('/fhir/Patient/$validate');
      expect(get.status).toBe(405);
      expect(get.headers.allow).toBe('POST');
    });
  });

  it('needs a token, with read access to the type', async () => {
    const anonymous = await t.http.post('/fhir/Patient/$validate').set('Content-Type', 'application/fhir+json').send(patient);
    expect(anonymous.status).toBe(401);
    const flagsOnly = await t.as('test-flags'); // system/Flag.rs
    expect((await flagsOnly(t.http.post('/fhir/Patient/$validate').set('Content-Type', 'application/fhir+json').send(patient))).status).toBe(403);
    const allowed = await flagsOnly(t.http.post('/fhir/Flag/$validate').set('Content-Type', 'application/fhir+json').send(flag));
    expect(allowed.status).toBe(200);
    expect(allowed.body.issue[0].severity).toBe('information');
  });
});
