import { randomUUID } from 'node:crypto';
import { ContactRefused } from '../../src/domain/contact';
import { IntakeRefused } from '../../src/domain/intake';
import { NoticeKind, NoticeSubmission } from '../../src/domain/notice';
import { answerContact } from '../../src/services/contactAnswers';
import { receiveNotice } from '../../src/services/noticeIntake';
import { loadSandbox } from '../../src/services/imports/sandbox';
import { DRIVERS, openTestStore, TestStore } from '../support/stores';

const BARBARA = { nhsNumber: '9990000018', personId: 'WXB-100001', birthDate: '1941-06-14' };
/** Valid, and not known to the council in the sandbox fixtures. */
const UNKNOWN_NHS_NUMBER = '9998765455';
const SETTINGS = { intakeTeamId: 'TEAM-HDT' };

/** A notice as the intake service receives it (already parsed), with an identifier of its own. */
function submission(kind: NoticeKind, changes: Partial<NoticeSubmission> = {}, notice: Partial<NoticeSubmission['notice']> = {}): NoticeSubmission {
  return {
    notice: {
      senderIdentifier: { system: 'urn:test:notice', value: randomUUID() },
      kind,
      nhsNumber: BARBARA.nhsNumber,
      senderOds: 'RX1',
      sent: '2026-11-26T10:00:00.000Z',
      receivedDigest: randomUUID(),
      ...notice,
    },
    document: { resourceType: 'Communication', status: 'completed' },
    ...changes,
  };
}

/** The refusal's reason code, or a failure when intake took the notice. */
async function refusalCode(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
  } catch (err) {
    if (err instanceof IntakeRefused || err instanceof ContactRefused) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe.each(DRIVERS)('notice intake and contact answers as services (%s)', (driver) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore(driver);
    await loadSandbox(t.store);
  });
  afterAll(() => t.close());

  const noticeCount = async () => (await t.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM notices'))[0].n;

  it('takes an assessment notice about a known person: a requested contact for the intake team, the document as sent', async () => {
    const sub = submission('assessment');
    const taken = await receiveNotice(t.store, sub, SETTINGS);
    expect(taken.created).toBe(true);
    expect(taken.notice.record).toMatchObject({ personId: BARBARA.personId, referralId: taken.notice.record.id });
    expect(taken.notice.record.document).toEqual(sub.document);
    expect(taken.contact?.record).toMatchObject({ noticeId: taken.notice.record.id, status: 'requested', ownerTeamId: 'TEAM-HDT' });

    const again = await receiveNotice(t.store, sub, SETTINGS);
    expect(again.created).toBe(false);
    expect(again.notice.record.id).toBe(taken.notice.record.id);
    expect(again.contact?.record.id).toBe(taken.contact?.record.id);
  });

  it("refuses, with reason codes, what it cannot take, and writes nothing", async () => {
    const before = await noticeCount();
    expect(await refusalCode(receiveNotice(t.store, submission('assessment', {}, { nhsNumber: UNKNOWN_NHS_NUMBER }), SETTINGS))).toBe('unknown-person');
    const otherBirthDate = submission('assessment', {
      person: { givenNames: ['Barbara'], familyName: 'Test', birthDate: '1950-01-01', gender: 'female', telecom: [] },
    });
    expect(await refusalCode(receiveNotice(t.store, otherBirthDate, SETTINGS))).toBe('birth-date-mismatch');
    const answersNothing = submission('discharge', { inResponseTo: { id: randomUUID() } });
    expect(await refusalCode(receiveNotice(t.store, answersNothing, SETTINGS))).toBe('unknown-referral');
    expect(await noticeCount()).toBe(before);
  });

  it("refuses an answer to another hospital's notice exactly as one to a notice never sent", async () => {
    const theirs = await receiveNotice(t.store, submission('assessment', {}, { senderOds: 'RX2' }), SETTINGS);
    const answer = submission('withdraw-all', { inResponseTo: { id: theirs.notice.record.id } }, { withdrawalReason: { code: '12' } });
    await expect(receiveNotice(t.store, answer, SETTINGS)).rejects.toMatchObject({
      refusal: { code: 'unknown-referral', senderOds: 'RX1', answers: { id: theirs.notice.record.id } },
    });
  });

  it('refuses a resend with other content under a received identifier, naming the first', async () => {
    const first = submission('assessment');
    const taken = await receiveNotice(t.store, first, SETTINGS);
    const changed = { ...first, notice: { ...first.notice, receivedDigest: randomUUID() } };
    await expect(receiveNotice(t.store, changed, SETTINGS)).rejects.toMatchObject({
      refusal: { code: 'changed-resend', existingNoticeId: taken.notice.record.id },
    });
  });

  it('answers contacts, refusing stale versions, impossible moves and owners that are not council teams', async () => {
    const { contact } = await receiveNotice(t.store, submission('assessment'), SETTINGS);
    const id = contact!.record.id;
    expect(await refusalCode(answerContact(t.store, id, { status: 'accepted' }, contact!.version + 1))).toBe('stale-version');
    expect(await refusalCode(answerContact(t.store, id, { ownerTeamId: 'CQC-1-1000000123' }))).toBe('unknown-team');
    const accepted = await answerContact(t.store, id, { status: 'accepted' }, contact!.version);
    expect(accepted).toMatchObject({ version: contact!.version + 1, record: { status: 'accepted' } });
    expect(await refusalCode(answerContact(t.store, id, { status: 'requested' }))).toBe('bad-transition');
    expect(await answerContact(t.store, randomUUID(), { status: 'accepted' })).toBeUndefined();
  });
});
