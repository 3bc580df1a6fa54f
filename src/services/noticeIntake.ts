import { randomUUID } from 'node:crypto';
import { Contact } from '../domain/contact';
import { contradictsRecord, IntakeAction, IntakeRefused, openContactOf, planIntake } from '../domain/intake';
import { HospitalNotice, NoticeSubmission } from '../domain/notice';
import { OPENED_FROM_NOTICE_PREFIX } from '../domain/person';
import {
  contactOfNotice,
  findBySenderIdentifier,
  findSendersNotice,
  insertNotice,
  insertPersonUnlessKnown,
  IntakeLookup,
  isUniqueViolation,
  lockReferral,
  lookUpIntake,
  updateContact,
} from '../store/noticeRepository';
import { SqlExecutor } from '../store/sqlDriver';
import { Store, Stored } from '../store/store';

export interface IntakeResult {
  created: boolean;
  /** True when the notice opened a record for a person the council did not know. */
  personCreated?: boolean;
  notice: Stored<HospitalNotice>;
  contact?: Stored<Contact>;
  action?: IntakeAction;
}

export interface IntakeSettings {
  /** The team that takes hospital notices (the hospital discharge team). */
  intakeTeamId: string;
}

/** Notices received over one store since start, by outcome: for metrics. */
export interface NoticeCounts {
  created: number;
  /** The same notice sent again: answered with the first. */
  repeat: number;
  /** Refused by intake (IntakeRefused): a changed resend, an unknown person or referral, a contradicting birth date. */
  refused: number;
}

const noticeCountsByStore = new WeakMap<Store, NoticeCounts>();

/** The counts of the notices received over this store (kept by store: every app over it shares them). */
export function noticeCounts(store: Store): NoticeCounts {
  let counts = noticeCountsByStore.get(store);
  if (!counts) noticeCountsByStore.set(store, (counts = { created: 0, repeat: 0, refused: 0 }));
  return counts;
}

/** A copy of the notice got in between this intake's look-up and its insert. */
class DuplicateNotice extends Error {}

/**
 * Records a notice and the contact it creates or changes atomically (one statement, or one
 * transaction when the notice answers an earlier one or opens a record): after a crash there is
 * either nothing or the whole notice. A notice whose sender identifier is already known (a retry,
 * or a copy racing in on another connection or instance) changes nothing and returns the first.
 * Refusals are IntakeRefused, with a reason code.
 */
export async function receiveNotice(store: Store, sub: NoticeSubmission, settings: IntakeSettings): Promise<IntakeResult> {
  const counts = noticeCounts(store);
  try {
    const result = await receive(store, sub, settings);
    if (result.created) counts.created++;
    else counts.repeat++;
    return result;
  } catch (err) {
    if (err instanceof IntakeRefused) counts.refused++;
    throw err;
  }
}

async function receive(store: Store, sub: NoticeSubmission, settings: IntakeSettings): Promise<IntakeResult> {
  if (!sub.inResponseTo) {
    const situation = await lookUpIntake(store.db, sub.notice);
    if (situation.existingNoticeId) return alreadyReceived(store, sub);
    if (situation.personId) {
      checkDescribesRecord(situation, sub);
      return (await startReferral(store.db, sub, { ...situation, personId: situation.personId }, settings)) ?? alreadyReceived(store, sub);
    }
  }
  try {
    const taken = await store.db.transaction(async (tx) => {
      const situation = await lookUpIntake(tx, sub.notice);
      if (situation.existingNoticeId) return undefined;
      if (situation.personId) checkDescribesRecord(situation, sub);
      const { personId, created: personCreated } = situation.personId
        ? { personId: situation.personId, created: false }
        : await openRecord(tx, sub);
      const earlier = sub.inResponseTo ? await resolveEarlier(tx, sub) : undefined;
      if (earlier && earlier.personId !== personId) {
        throw new IntakeRefused({ code: 'referral-of-another-person', earlierNoticeId: earlier.id });
      }
      // A notice that answers none starts a referral of its own, which has no contacts yet. One that
      // answers an earlier one locks its referral (the root notice) first: two answers to the same
      // referral arriving at once, on any connection or instance, are planned one after the other,
      // so the second sees the contact the first opened instead of opening another.
      const contacts = earlier ? await lockReferral(tx, earlier.referralId) : [];
      const plan = planNotice(sub, { ...situation, personId }, earlier, openContactOf(contacts), settings);
      const written = await insertNotice(tx, plan.notice, plan.newContact);
      if (!written) throw new DuplicateNotice();
      const contact = plan.action.type === 'update-contact' ? await updateContact(tx, plan.action.contactId, plan.action.changes) : written.contact;
      return { notice: written.notice, contact, action: plan.action, personCreated };
    });
    if (taken) {
      // A new person is visible to lookups at once, here and in other instances.
      if (taken.personCreated) await store.dataChanged();
      return { created: true, ...taken };
    }
  } catch (err) {
    if (!(err instanceof DuplicateNotice) && !isUniqueViolation(err)) throw err;
  }
  return alreadyReceived(store, sub);
}

/**
 * Already received from this sender (a retry, or a copy that raced in on another connection or
 * instance): the first stands, if the content is the same, and the answer is its own contact, not
 * the referral's first. Another sender's notice with the same identifier is never found here:
 * identity is the sender's.
 */
async function alreadyReceived(store: Store, sub: NoticeSubmission): Promise<IntakeResult> {
  const first = await findBySenderIdentifier(store, sub.notice.senderOds, sub.notice.senderIdentifier);
  if (!first) throw new Error(`notice ${sub.notice.senderIdentifier.system}|${sub.notice.senderIdentifier.value} neither taken nor found`);
  const digest = first.record.receivedDigest;
  if (digest && sub.notice.receivedDigest && digest !== sub.notice.receivedDigest) {
    throw new IntakeRefused({ code: 'changed-resend', existingNoticeId: first.record.id });
  }
  return { created: false, notice: first, contact: await contactOfNotice(store, first.record) };
}

/**
 * The common case, a notice that starts a referral about a person the council knows: the notice and
 * its contact are written by one statement, atomic on its own, so no transaction is held open while
 * this thread plans (a held transaction stops every other statement on the embedded store). Returns
 * undefined when a copy of the notice got in first.
 */
async function startReferral(
  db: SqlExecutor,
  sub: NoticeSubmission,
  situation: IntakeLookup & { personId: string },
  settings: IntakeSettings,
): Promise<IntakeResult | undefined> {
  // With no open contact, intake creates one or does nothing: it never updates one.
  const plan = planNotice(sub, situation, undefined, undefined, settings);
  const written = await insertNotice(db, plan.notice, plan.newContact);
  if (!written) return undefined;
  return { created: true, notice: written.notice, contact: written.contact, action: plan.action };
}

interface NoticePlan {
  notice: HospitalNotice;
  action: IntakeAction;
  /** The contact the notice opens, if it opens one. */
  newContact?: Contact;
}

/** The notice as it will be stored (the document as sent), and what intake does about it (planIntake). */
function planNotice(
  sub: NoticeSubmission,
  situation: IntakeLookup & { personId: string },
  earlier: HospitalNotice | undefined,
  openContact: Contact | undefined,
  settings: IntakeSettings,
): NoticePlan {
  const noticeId = randomUUID();
  const notice: HospitalNotice = {
    ...sub.notice,
    id: noticeId,
    personId: situation.personId,
    inResponseToId: earlier?.id,
    referralId: earlier?.referralId ?? noticeId,
    document: sub.document,
  };
  const action = planIntake({
    notice,
    openContact,
    hasActivePackage: situation.hasActivePackage,
    intakeTeamId: settings.intakeTeamId,
    responsibleTeamId: situation.responsibleTeamId ?? undefined,
    today: new Date().toISOString().slice(0, 10),
  });
  return { notice, action, newContact: action.type === 'create-contact' ? { ...action.contact, id: randomUUID(), createdAt: '' } : undefined };
}

/**
 * A notice about a person the council knows must not describe someone else: a person born on
 * another day than the council's record of that NHS number is refused, so a mistyped NHS number
 * cannot put a contact on the wrong person's record. The refusal does not say what the record holds.
 */
function checkDescribesRecord(situation: IntakeLookup, sub: NoticeSubmission) {
  if (situation.personId && situation.birthDate && contradictsRecord({ id: situation.personId, birthDate: situation.birthDate }, sub.person)) {
    throw new IntakeRefused({ code: 'birth-date-mismatch', nhsNumber: sub.notice.nhsNumber });
  }
}

/** Opens a record for a person the council does not know, from what the notice says about them. */
async function openRecord(tx: SqlExecutor, sub: NoticeSubmission): Promise<{ personId: string; created: boolean }> {
  const nhsNumber = sub.notice.nhsNumber;
  const p = sub.person;
  if (!p) throw new IntakeRefused({ code: 'unknown-person', nhsNumber });
  return insertPersonUnlessKnown(tx, {
    id: `${OPENED_FROM_NOTICE_PREFIX}${randomUUID()}`,
    nhsNumber,
    nhsNumberVerification: '01',
    givenNames: p.givenNames,
    familyName: p.familyName,
    birthDate: p.birthDate,
    gender: p.gender,
    address: p.address,
    telecom: p.telecom,
    restricted: false,
  });
}

/**
 * The earlier notice a notice answers, found only among the sender's own hospital notices: another
 * hospital's notice is answered exactly as one that does not exist, so a sender can neither act on
 * nor learn of notices that are not its own.
 */
async function resolveEarlier(tx: SqlExecutor, sub: NoticeSubmission): Promise<HospitalNotice> {
  const answers = sub.inResponseTo!;
  const senderOds = sub.notice.senderOds;
  const earlier = await findSendersNotice(tx, senderOds, answers);
  if (!earlier) throw new IntakeRefused({ code: 'unknown-referral', senderOds, answers });
  return earlier;
}
