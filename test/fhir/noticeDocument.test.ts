import { completeNoticeDocument, toCommunication } from '../../src/fhir/resources/communication';
import { HospitalNotice } from '../../src/domain/notice';
import { PROFILES } from '../../src/fhir/systems';
import { exampleNotice } from '../support/notices';

/** A discharge notice as the hospital sent it (answering the first by its identifier), and as intake recorded it. */
function received(): HospitalNotice {
  const sent = exampleNotice('discharge-notice') as unknown as Record<string, unknown>;
  return {
    id: 'f7c1d2e0-0000-4000-8000-000000000002',
    senderIdentifier: { system: 'urn:test', value: 'D1' },
    kind: 'discharge',
    personId: 'WXB-100001',
    nhsNumber: '9990000018',
    senderOds: 'RX1',
    sent: '2026-11-26T10:00:00.000Z',
    inResponseToId: 'f7c1d2e0-0000-4000-8000-000000000001',
    referralId: 'f7c1d2e0-0000-4000-8000-000000000001',
    document: { ...sent, id: 'the-hospitals-own-id', meta: { versionId: '7', lastUpdated: '2020-01-01T00:00:00Z', tag: [{ code: 'x' }] } },
  };
}

describe('a hospital notice served as a Communication', () => {
  const stored = (notice: HospitalNotice) => ({ record: notice, version: 2, lastUpdated: '2026-11-26T10:00:01.000Z' });

  it('is completed when served: our id and profile, literal references, our version', () => {
    const c = toCommunication(stored(received()));
    expect(c.id).toBe('f7c1d2e0-0000-4000-8000-000000000002');
    expect(c.meta).toEqual({
      tag: [{ code: 'x' }],
      profile: [PROFILES.Communication],
      versionId: '2',
      lastUpdated: '2026-11-26T10:00:01.000Z',
    });
    expect(c.meta?.profile?.[0]).toMatch(/SocialCare-HospitalNotice$/);
    expect(c.subject).toEqual({ reference: 'Patient/WXB-100001', identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000018' } });
    expect(c.inResponseTo).toEqual([{ reference: 'Communication/f7c1d2e0-0000-4000-8000-000000000001' }]);
  });

  it('leads with resourceType, id and meta, like every resource the facade serves', () => {
    // The store keeps the hospital's document in its own key order (jsonb's); the answer does not.
    const c = toCommunication(stored(received()));
    expect(Object.keys(c).slice(0, 3)).toEqual(['resourceType', 'id', 'meta']);
  });

  it('is served the same when its document was kept completed (as intake once did)', () => {
    const asSent = received();
    const keptCompleted = { ...asSent, document: completeNoticeDocument(asSent) };
    expect(toCommunication(stored(keptCompleted))).toEqual(toCommunication(stored(asSent)));
    expect(completeNoticeDocument(keptCompleted)).toEqual(keptCompleted.document);
  });

  it('leaves the access notifications kept alongside notices as the facade wrote them', () => {
    const document = { resourceType: 'Communication', id: 'A1', meta: { profile: ['urn:access-notification'] }, subject: { reference: 'Patient/WXB-100001' } };
    const notification = { ...received(), kind: 'access-notification', document } as unknown as HospitalNotice;
    expect(toCommunication(stored(notification))).toEqual({ ...document, meta: { profile: ['urn:access-notification'], versionId: '2', lastUpdated: '2026-11-26T10:00:01.000Z' } });
  });
});
