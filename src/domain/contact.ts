import { NoticeKind, Reason } from './notice';
import { Refused } from './refusal';

/**
 * A contact: the piece of work a notice creates for the council (assess this person before
 * discharge; review the package of someone admitted). The council accepts or rejects it and
 * reports progress; the hospital follows it.
 */
export const CONTACT_STATUSES = ['requested', 'accepted', 'rejected', 'in-progress', 'completed', 'cancelled'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

/** Which status may follow which. Rejected, completed and cancelled are final. */
const NEXT: Record<ContactStatus, ContactStatus[]> = {
  requested: ['accepted', 'rejected', 'in-progress', 'cancelled'],
  accepted: ['in-progress', 'completed', 'cancelled'],
  'in-progress': ['completed', 'cancelled'],
  rejected: [],
  completed: [],
  cancelled: [],
};

export function canMoveTo(from: ContactStatus, to: ContactStatus): boolean {
  return from === to || NEXT[from].includes(to);
}

export function isOpen(status: ContactStatus): boolean {
  return status === 'requested' || status === 'accepted' || status === 'in-progress';
}

/** What the contact asks the council to do. */
export type ContactPurpose = 'assessment' | 'package-review' | 'discharge';

export interface ContactInput {
  /** Later notices on the same referral (a discharge notice, a withdrawal of the discharge notice). */
  kind: NoticeKind;
  noticeId: string;
}

export interface Contact {
  id: string;
  /** The notice that created it. */
  noticeId: string;
  referralId: string;
  personId: string;
  purpose: ContactPurpose;
  kind: NoticeKind;
  /** The council team that owns the work. */
  ownerTeamId: string;
  /** ODS code of the hospital that sent the notice: it may follow the contact. */
  requesterOds: string;
  status: ContactStatus;
  statusReason?: Reason;
  /** Where the work has got to, in words (e.g. "Discharge notice received"). */
  businessStatus?: string;
  dueDate?: string;
  inputs: ContactInput[];
  note?: string;
  createdAt: string;
}

/**
 * What may change on a contact: the council's answer (status, reason, progress, note, the team it
 * is reassigned to), and what intake changes when a later notice on the referral arrives.
 */
export type ContactChanges = Partial<Pick<Contact, 'status' | 'statusReason' | 'businessStatus' | 'dueDate' | 'inputs' | 'note' | 'ownerTeamId'>>;

/** Why an answer to a contact is refused, with what the caller needs to put it right. */
export type ContactRefusal =
  /** The contact changed since the caller read it: it must read it again. */
  | { code: 'stale-version'; version: number; expectedVersion: number }
  /** The status may not move that way (a final status, or backwards). */
  | { code: 'bad-transition'; from: ContactStatus; to: ContactStatus }
  /** The contact is reassigned to something that is not one of the council's teams. */
  | { code: 'unknown-team'; teamId: string };

export class ContactRefused extends Refused<ContactRefusal> {
  constructor(refusal: ContactRefusal) {
    super(refusal, describeContactRefusal(refusal));
  }
}

/** The refusal in social-care terms; the FHIR layer adds the element at fault (resources/task.ts). */
function describeContactRefusal(r: ContactRefusal): string {
  switch (r.code) {
    case 'stale-version':
      return `the contact is at version ${r.version}, not ${r.expectedVersion}`;
    case 'bad-transition':
      return `a ${r.from} contact cannot become ${r.to}`;
    case 'unknown-team':
      return `team ${r.teamId} is not one of the council's teams`;
  }
}

/**
 * Whether an answer may be made to the contact as it stands: the version the caller saw (when it
 * names one) must be the current one, and the status may only move as canMoveTo allows. Whether a
 * new owner is one of the council's teams needs the council's records, so is checked by the caller.
 */
export function answerRefusal(
  current: { status: ContactStatus; version: number },
  changes: ContactChanges,
  expectedVersion?: number,
): ContactRefusal | undefined {
  if (expectedVersion !== undefined && expectedVersion !== current.version) {
    return { code: 'stale-version', version: current.version, expectedVersion };
  }
  if (changes.status && !canMoveTo(current.status, changes.status)) {
    return { code: 'bad-transition', from: current.status, to: changes.status };
  }
  return undefined;
}
