import { Contact, ContactPurpose, isOpen } from './contact';
import { HospitalNotice, isWithdrawal, NoticePersonDetails, NoticeReference } from './notice';
import { isOpenedFromNotice } from './person';
import { Refused } from './refusal';

/**
 * What a newly received notice does to the council's work, decided from what is already known.
 * Pure: the intake service carries it out in the same transaction that records the notice.
 */
export type IntakeAction =
  | { type: 'create-contact'; contact: Omit<Contact, 'id' | 'createdAt'> }
  | { type: 'update-contact'; contactId: string; changes: Partial<Pick<Contact, 'status' | 'statusReason' | 'businessStatus' | 'dueDate' | 'inputs'>> }
  | { type: 'none'; why: string };

export interface IntakeSituation {
  notice: HospitalNotice;
  /** The open contact for the notice's referral, if there is one. */
  openContact?: Contact;
  /** Whether the person has a care package that is active now (for admission notices). */
  hasActivePackage: boolean;
  /** The team that takes hospital notices (the hospital discharge team). */
  intakeTeamId: string;
  /** The person's responsible team, if they have one. */
  responsibleTeamId?: string;
  /** Today, for due dates when the notice gives none. */
  today: string;
}

/** Working days a council has to assess after an assessment notice, where no discharge date is given. */
const DEFAULT_ASSESSMENT_DAYS = 2;

/**
 * What intake itself writes as a contact's business status. A later notice may replace these, but
 * never words the council wrote: the council's own account of where the work has got to stands.
 */
const INTAKE_WORDS = {
  assessment: 'Assessment notice received',
  admission: 'Admitted to hospital: review or suspend the care package',
  discharge: 'Discharge notice received',
  dischargeWithdrawn: 'Discharge notice withdrawn',
  withdrawn: 'Withdrawn by the hospital',
} as const;
const INTAKE_BUSINESS_STATUSES: ReadonlySet<string> = new Set(Object.values(INTAKE_WORDS));

function intakeMayReword(contact: Contact): boolean {
  return !contact.businessStatus || INTAKE_BUSINESS_STATUSES.has(contact.businessStatus);
}

/**
 * Whether a notice's own description of the person contradicts the council's record of the NHS
 * number it names. Only the birth date is compared: names change (marriage, preferred names) and
 * addresses move, but a different birth date means a different person or a mistyped NHS number.
 * A record opened from an earlier notice is not the council's word: one hospital's mistake there
 * must not turn every other hospital's correct notice away, so it is not compared.
 */
export function contradictsRecord(record: { id: string; birthDate: string }, described: Pick<NoticePersonDetails, 'birthDate'> | undefined): boolean {
  return !isOpenedFromNotice(record.id) && !!described?.birthDate && described.birthDate !== record.birthDate;
}

/** Why a notice cannot be taken, with what the sender needs to put it right. */
export type IntakeRefusal =
  /** The NHS number is not known to the council and the notice does not describe the person. */
  | { code: 'unknown-person'; nhsNumber: string }
  /** The notice describes someone born on another day than the council's record of the NHS number. */
  | { code: 'birth-date-mismatch'; nhsNumber: string }
  /** The earlier notice it answers has not been received from this sender (or is another sender's). */
  | { code: 'unknown-referral'; senderOds: string; answers: NoticeReference }
  /** The earlier notice it answers is about another person. */
  | { code: 'referral-of-another-person'; earlierNoticeId: string }
  /** The sender already sent a notice under this identifier with other content. */
  | { code: 'changed-resend'; existingNoticeId: string };

/**
 * A notice intake will not take. A correction is a notice of its own (or a withdrawal and a new
 * notice), never a silent replacement, so a changed resend is refused too.
 */
export class IntakeRefused extends Refused<IntakeRefusal> {
  constructor(refusal: IntakeRefusal) {
    super(refusal, describeIntakeRefusal(refusal));
  }
}

/**
 * The refusal in social-care terms, for logs and for callers other than the FHIR API; the FHIR
 * layer words each one for the hospital, naming the element at fault (resources/communication.ts).
 */
function describeIntakeRefusal(r: IntakeRefusal): string {
  switch (r.code) {
    case 'unknown-person':
      return `NHS number ${r.nhsNumber} is not known to the council and the notice does not describe the person`;
    case 'birth-date-mismatch':
      return `the person described is not the council's record for NHS number ${r.nhsNumber}`;
    case 'unknown-referral':
      return `the notice it answers has not been received from ${r.senderOds}`;
    case 'referral-of-another-person':
      return `the notice it answers (${r.earlierNoticeId}) is about a different person`;
    case 'changed-resend':
      return `notice ${r.existingNoticeId} was received under this identifier with different content`;
  }
}

export function planIntake(s: IntakeSituation): IntakeAction {
  const n = s.notice;
  const newContact = (purpose: ContactPurpose, ownerTeamId: string, dueDate: string | undefined, businessStatus: string) => ({
    type: 'create-contact' as const,
    contact: {
      noticeId: n.id,
      referralId: n.referralId,
      personId: n.personId,
      purpose,
      kind: n.kind,
      ownerTeamId,
      requesterOds: n.senderOds,
      status: 'requested' as const,
      businessStatus,
      dueDate,
      inputs: [],
    },
  });

  switch (n.kind) {
    case 'assessment':
      return newContact(
        'assessment',
        s.intakeTeamId,
        n.dischargeDate ?? addWorkingDays(n.sent.slice(0, 10), DEFAULT_ASSESSMENT_DAYS),
        INTAKE_WORDS.assessment,
      );
    case 'admission':
      if (!s.hasActivePackage) return { type: 'none', why: 'no active care package to review' };
      return newContact(
        'package-review',
        s.responsibleTeamId ?? s.intakeTeamId,
        addWorkingDays(n.sent.slice(0, 10), 1),
        INTAKE_WORDS.admission,
      );
    case 'discharge':
      if (s.openContact) {
        return {
          type: 'update-contact',
          contactId: s.openContact.id,
          changes: {
            ...(intakeMayReword(s.openContact) ? { businessStatus: INTAKE_WORDS.discharge } : {}),
            dueDate: n.dischargeDate ?? s.openContact.dueDate,
            inputs: [...s.openContact.inputs, { kind: n.kind, noticeId: n.id }],
          },
        };
      }
      return newContact('discharge', s.intakeTeamId, n.dischargeDate ?? s.today, INTAKE_WORDS.discharge);
    default:
      if (!isWithdrawal(n.kind)) return { type: 'none', why: 'not a notice kind that acts on contacts' };
      if (!s.openContact) return { type: 'none', why: 'no open contact for this referral' };
      if (n.kind === 'withdraw-discharge') {
        return {
          type: 'update-contact',
          contactId: s.openContact.id,
          changes: {
            ...(intakeMayReword(s.openContact) ? { businessStatus: INTAKE_WORDS.dischargeWithdrawn } : {}),
            inputs: [...s.openContact.inputs, { kind: n.kind, noticeId: n.id }],
          },
        };
      }
      return {
        type: 'update-contact',
        contactId: s.openContact.id,
        changes: {
          status: 'cancelled',
          statusReason: n.withdrawalReason,
          businessStatus: INTAKE_WORDS.withdrawn,
          inputs: [...s.openContact.inputs, { kind: n.kind, noticeId: n.id }],
        },
      };
  }
}

export function openContactOf(contacts: Contact[]): Contact | undefined {
  return contacts.find((c) => isOpen(c.status));
}

/** Adds working days (Monday to Friday) to a YYYY-MM-DD date. Bank holidays are not known here. */
export function addWorkingDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  let left = days;
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + 1);
    const day = d.getUTCDay();
    if (day !== 0 && day !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}
