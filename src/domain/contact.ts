import { NoticeKind, Reason } from './notice';

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
