import { Contact, ContactPurpose, isOpen } from './contact';
import { HospitalNotice, isWithdrawal } from './notice';

/**
 * What a newly received notice does to the council's work, decided from what is already known.
 * Pure: the store runs the result in the same transaction that records the notice.
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
        'Assessment notice received',
      );
    case 'admission':
      if (!s.hasActivePackage) return { type: 'none', why: 'no active care package to review' };
      return newContact(
        'package-review',
        s.responsibleTeamId ?? s.intakeTeamId,
        addWorkingDays(n.sent.slice(0, 10), 1),
        'Admitted to hospital: review or suspend the care package',
      );
    case 'discharge':
      if (s.openContact) {
        return {
          type: 'update-contact',
          contactId: s.openContact.id,
          changes: {
            businessStatus: 'Discharge notice received',
            dueDate: n.dischargeDate ?? s.openContact.dueDate,
            inputs: [...s.openContact.inputs, { kind: n.kind, noticeId: n.id }],
          },
        };
      }
      return newContact('discharge', s.intakeTeamId, n.dischargeDate ?? s.today, 'Discharge notice received');
    default:
      if (!isWithdrawal(n.kind)) return { type: 'none', why: 'not a notice kind that acts on contacts' };
      if (!s.openContact) return { type: 'none', why: 'no open contact for this referral' };
      if (n.kind === 'withdraw-discharge') {
        return {
          type: 'update-contact',
          contactId: s.openContact.id,
          changes: {
            businessStatus: 'Discharge notice withdrawn',
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
          businessStatus: 'Withdrawn by the hospital',
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
