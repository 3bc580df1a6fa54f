import { Bundle, Flag } from '@medplum/fhirtypes';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { BASE_URL } from '../support/app';
import { requestToken } from '../support/auth';
import { openTestStore, TestStore } from '../support/stores';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

/** The sandbox as `npm start` runs it: the shipped clients file, tokens signed for with the published sandbox keys. */
describe('the sandbox clients and keys', () => {
  let store: TestStore;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    store = await openTestStore('pglite');
    await loadSandbox(store.store);
    const config = loadConfig({ PUBLIC_BASE_URL: BASE_URL, FIXTURES_FILE: 'none' });
    expect(config.auth.sandboxClients).toBe(true);
    http = request(createApp(config, { store: store.store, logger: pino({ level: 'silent' }) }));
  });
  afterAll(() => store.close());

  const tokenFor = async (clientId: string, scope: string) => {
    const res = await requestToken(http, { baseUrl: BASE_URL, clientId, scope });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; scope: string };
  };

  it('the hospital EPR finds Barbara, her home-care provider and its number, in one request', async () => {
    const { access_token, scope } = await tokenFor('sandbox-epr-rx1', 'system/Patient.rs system/CarePlan.rs system/Organization.rs');
    expect(scope).toBe('system/Patient.rs system/CarePlan.rs system/Organization.rs');
    const res = await http
      .get('/fhir/CarePlan')
      .query({ 'patient:identifier': `${NHS}|9990000018`, status: 'active', _include: ['CarePlan:performer', 'CarePlan:subject'] })
      .set('Authorization', `Bearer ${access_token}`);
    expect(res.status).toBe(200);
    const types = (res.body as Bundle).entry!.map((e) => e.resource!.resourceType).sort();
    expect(types).toEqual(['CarePlan', 'Organization', 'Patient']);
  });

  it('the EPR asking in v1 syntax gets v1 scopes back, narrowed to its registration', async () => {
    const { scope } = await tokenFor('sandbox-epr-rx1', 'system/*.read');
    expect(scope.split(' ')).toEqual(expect.arrayContaining(['system/Patient.read', 'system/Flag.read', 'system/CarePlan.read']));
    expect(scope).not.toMatch(/\*/);
  });

  it("the portal sees safeguarding flags through its granular scope; the council's system sees the social-care view", async () => {
    const portal = await tokenFor('sandbox-portal', 'system/*.rs');
    expect(portal.scope).toMatch(/system\/Flag\.rs\?category=https:\/\/fhir\.hl7\.org\.uk\/CodeSystem\/UKCore-RecordStandardHeadings\|safeguarding/);
    const flags = await http.get('/fhir/Flag').query({ patient: 'Patient/WXB-100005', status: 'active' }).set('Authorization', `Bearer ${portal.access_token}`);
    expect(flags.status).toBe(200);
    expect((flags.body as Bundle).entry!.length).toBeGreaterThan(0);

    const council = await tokenFor('sandbox-council-mosaic', 'system/*.rs');
    const flag = await http.get('/fhir/Flag/SG-0001').set('Authorization', `Bearer ${council.access_token}`);
    expect((flag.body as Flag).code.coding?.[0].code).toBe('financial');
  });
});
