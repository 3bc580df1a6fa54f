/**
 * The recorder: the one place access records are built, and who is told of a look. Against a
 * stand-in trail and notifier, so each rule is seen on its own.
 */
import { Bundle } from '@medplum/fhirtypes';
import { Caller } from '../../src/access/context';
import { AccessNotifier } from '../../src/audit/accessNotifier';
import { AuditRecorder, FACADE_CLIENT_ID } from '../../src/audit/recorder';
import { AccessNotification, AccessRecord } from '../../src/domain/audit';
import { Person } from '../../src/domain/person';
import { StoredNotification } from '../../src/store/notificationStore';

const outsider: Caller = { clientId: 'sandbox-epr-rx1', organization: 'RX1', scope: 'system/*.rs', issuer: 'facade' };
const council: Caller = { clientId: 'sandbox-council-mosaic', organization: 'WXB', scope: 'system/*.cruds', issuer: 'facade' };
const request = (method: string, path: string, query?: string) => ({ requestId: 'r-1', method, path, query, headers: () => undefined });

function recorderWithFakes() {
  const records: AccessRecord[] = [];
  const looks: [Caller | undefined, string[], string[]][] = [];
  const recorder = new AuditRecorder(
    { record: async (r) => void records.push(r) },
    { notify: async (c, seen, withheld) => void looks.push([c, seen, withheld]) },
  );
  return { recorder, records, looks };
}

describe('AuditRecorder', () => {
  const found: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [{ resource: { resourceType: 'Patient', id: 'WXB-1' } }, { resource: { resourceType: 'CarePlan', id: 'PKG-1', status: 'active', intent: 'plan', subject: { reference: 'Patient/WXB-1' } } }],
  };

  it('records a search and tells of the people it showed', async () => {
    const { recorder, records, looks } = recorderWithFakes();
    await recorder.fhirInteraction({ request: request('GET', '/Patient', 'family=Thornton'), status: 200, caller: outsider, returned: found });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ interaction: 'search', resourceType: 'Patient', clientId: 'sandbox-epr-rx1', personIds: ['WXB-1'], entities: ['Patient/WXB-1', 'CarePlan/PKG-1'] });
    expect(looks).toEqual([[outsider, ['WXB-1'], []]]);
  });

  it('a refusal withholding a restricted person: recorded with the person, told as withheld, nothing as seen', async () => {
    const { recorder, records, looks } = recorderWithFakes();
    await recorder.fhirInteraction({ request: request('GET', '/Patient/WXB-9'), status: 403, caller: outsider, audit: { withheld: ['WXB-9'] }, error: 'restricted' });
    expect(records[0]).toMatchObject({ interaction: 'read', outcome: '4', outcomeDescription: 'restricted', personIds: ['WXB-9'] });
    expect(looks).toEqual([[outsider, [], ['WXB-9']]]);
  });

  it('an answer that also withheld people: both recorded, the withheld ones told apart', async () => {
    const { recorder, records, looks } = recorderWithFakes();
    await recorder.fhirInteraction({ request: request('GET', '/Patient'), status: 200, caller: outsider, returned: found, audit: { withheld: ['WXB-9', 'WXB-1'] } });
    expect(records[0].personIds.sort()).toEqual(['WXB-1', 'WXB-9']);
    expect(looks).toEqual([[outsider, [], ['WXB-9', 'WXB-1']]]);
  });

  it('a write records what was written even when the answer held nothing, and tells nobody', async () => {
    const { recorder, records, looks } = recorderWithFakes();
    const written = { resourceType: 'Communication' as const, id: 'N-1', status: 'completed' as const, subject: { reference: 'Patient/WXB-1' } };
    await recorder.fhirInteraction({ request: request('POST', '/Communication'), status: 201, caller: outsider, audit: { resource: written } });
    expect(records[0]).toMatchObject({ interaction: 'create', action: 'C', personIds: ['WXB-1'], entities: ['Communication/N-1'] });
    expect(looks).toEqual([]);
  });

  it('a failed lookup is told of nobody seen', async () => {
    const { recorder, looks } = recorderWithFakes();
    await recorder.fhirInteraction({ request: request('GET', '/Patient'), status: 500, caller: outsider, returned: found });
    expect(looks).toEqual([[outsider, [], []]]);
  });

  it('fails when the record cannot be written, or the notification stored', async () => {
    const lost = new AuditRecorder({ record: () => Promise.reject(new Error('disk full')) });
    await expect(lost.fhirInteraction({ request: request('GET', '/Patient'), status: 200 })).rejects.toThrow('disk full');
    await expect(lost.tokenRequest({ request: request('POST', '/auth/token'), status: 200, description: 'granted' })).rejects.toThrow('disk full');
    const unnotified = new AuditRecorder({ record: async () => undefined }, { notify: () => Promise.reject(new Error('no notices')) });
    await expect(unnotified.fhirInteraction({ request: request('GET', '/Patient'), status: 200, caller: outsider })).rejects.toThrow('no notices');
  });

  it('records a token request as the client named, for direct care whatever the headers say', async () => {
    const records: AccessRecord[] = [];
    const recorder = new AuditRecorder({ record: async (r) => void records.push(r) });
    const headers = (n: string) => (n === 'x-purpose-of-use' ? 'HRESCH' : undefined);
    await recorder.tokenRequest({ request: { ...request('POST', '/auth/token'), headers }, status: 400, clientId: 'claimed', description: 'invalid_scope: no' });
    expect(records[0]).toMatchObject({ interaction: 'token', action: 'E', outcome: '4', clientId: 'claimed', purposeOfUse: 'TREAT', outcomeDescription: 'invalid_scope: no' });
  });

  it('records a request refused before routing by its full path, with the NHS numbers it asked about', async () => {
    const records: AccessRecord[] = [];
    const recorder = new AuditRecorder({ record: async (r) => void records.push(r) });
    await recorder.unroutedRequest({ request: request('GET', '/fhir/Patient', 'identifier=9990000018'), status: 431, description: 'too large' });
    await recorder.unroutedRequest({ request: request('UNKNOWN', ''), status: 400, description: 'not HTTP' });
    expect(records[0]).toMatchObject({ interaction: 'search', resourceType: 'Patient', path: '/fhir/Patient', nhsNumbers: ['9990000018'], outcome: '4' });
    expect(records[1]).toMatchObject({ interaction: 'operation', method: 'UNKNOWN' });
  });

  it('records a retention purge as the facade, for operations, as a delete', async () => {
    const records: AccessRecord[] = [];
    const recorder = new AuditRecorder({ record: async (r) => void records.push(r) });
    await recorder.retentionPurge({ removed: 7, cutoff: '2020-01-01T00:00:00.000Z', retentionDays: 30 });
    expect(records[0]).toMatchObject({
      interaction: 'purge',
      action: 'D',
      outcome: '0',
      httpStatus: 200,
      resourceType: 'AuditEvent',
      clientId: FACADE_CLIENT_ID,
      purposeOfUse: 'HOPERAT',
      method: 'DELETE',
      path: '/AuditEvent',
      outcomeDescription: 'Retention purge: removed 7 access record(s) recorded before 2020-01-01T00:00:00.000Z (retention 30 days)',
      personIds: [],
    });
  });
});

describe('AccessNotifier', () => {
  const people: Person[] = [
    { id: 'P-1', nhsNumber: '9990000018', givenNames: ['Barbara'], familyName: 'Thornton', birthDate: '1940-01-01', gender: 'female', telecom: [], restricted: false, allocatedWorkerId: 'W-1', responsibleTeamId: 'T-1' },
    { id: 'P-2', givenNames: ['Ann'], familyName: 'Lee', birthDate: '1940-01-01', gender: 'female', telecom: [], restricted: true, responsibleTeamId: 'T-2' },
    { id: 'P-3', givenNames: ['Tom'], familyName: 'Hill', birthDate: '1940-01-01', gender: 'male', telecom: [], restricted: false, responsibleTeamId: 'T-3' },
  ];
  const at = new Date('2026-03-04T05:06:07.000Z');

  function notifier() {
    const stored: StoredNotification[] = [];
    const asked: string[][] = [];
    const n = new AccessNotifier({
      people: async (ids) => (asked.push(ids), people.filter((p) => ids.includes(p.id))),
      notifications: { insert: async (rows) => void stored.push(...rows) },
      form: { keySystem: 'urn:key', document: (x: AccessNotification) => ({ written: x }) },
      councilOds: 'WXB',
    });
    return { n, stored, asked };
  }

  it('tells the allocated worker of a look, and the team of a look at a restricted record without a worker', async () => {
    const { n, stored } = notifier();
    await n.notify(outsider, ['P-1', 'P-3'], ['P-2'], at);
    expect(stored.map((s) => [s.personId, s.recipient])).toEqual([
      ['P-1', 'PractitionerRole/W-1'],
      ['P-2', 'Organization/T-2'],
    ]);
    expect(stored[0]).toMatchObject({ key: { system: 'urn:key', value: 'sandbox-epr-rx1|P-1|2026-03-04' }, nhsNumber: '9990000018', senderOds: 'WXB', sent: at.toISOString() });
    expect((stored[1].document as { written: AccessNotification }).written).toEqual({
      key: 'sandbox-epr-rx1|P-2|2026-03-04',
      personId: 'P-2',
      nhsNumber: undefined,
      personName: 'Ann Lee',
      clientId: 'sandbox-epr-rx1',
      organization: 'RX1',
      recipient: 'Organization/T-2',
      restricted: true,
      councilOds: 'WXB',
      sent: at.toISOString(),
    });
  });

  it('tells nobody of the council looking, or of an unknown caller', async () => {
    const { n, stored, asked } = notifier();
    await n.notify(council, ['P-1'], [], at);
    await n.notify(undefined, ['P-1'], [], at);
    expect(stored).toEqual([]);
    expect(asked).toEqual([]);
  });

  it('once per client, person and day', async () => {
    const { n, stored, asked } = notifier();
    await n.notify(outsider, ['P-1'], [], at);
    await n.notify(outsider, ['P-1'], [], at);
    expect(asked).toEqual([['P-1']]);
    await n.notify(outsider, ['P-1'], [], new Date('2026-03-05T00:00:00.000Z'));
    await n.notify({ ...outsider, clientId: 'other' }, ['P-1'], [], at);
    expect(stored.map((s) => s.key.value)).toEqual(['sandbox-epr-rx1|P-1|2026-03-04', 'sandbox-epr-rx1|P-1|2026-03-05', 'other|P-1|2026-03-04']);
  });
});
