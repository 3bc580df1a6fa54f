/**
 * Hospital notices (the national Assessment, Discharge and Withdrawal notices, and the admission
 * notice): what a hospital tells the council about a patient who will need care and support.
 * Each kind is identified nationally by a SNOMED CT event code.
 */
export const NOTICE_KINDS = {
  assessment: { code: '975701000000106', display: 'Assessment Notice' },
  discharge: { code: '975731000000100', display: 'Discharge Notice' },
  'withdraw-all': { code: '975841000000102', display: 'Withdraw All Notices' },
  'withdraw-assessment': { code: '1078011000000107', display: 'Withdraw Assessment Notice Only' },
  'withdraw-discharge': { code: '975851000000104', display: 'Withdraw Discharge Notice Only' },
  admission: { code: '895571000000108', display: 'Admission Notice' },
} as const;
export type NoticeKind = keyof typeof NOTICE_KINDS;

export function noticeKindOfCode(code: string): NoticeKind | undefined {
  return (Object.keys(NOTICE_KINDS) as NoticeKind[]).find((k) => NOTICE_KINDS[k].code === code);
}

export const isWithdrawal = (kind: NoticeKind) => kind.startsWith('withdraw-');

/**
 * Whether a kind is one of the hospital notice kinds: the notices table also keeps the access
 * notifications the facade writes itself, which are not hospital notices.
 */
export function isHospitalNoticeKind(kind: string): kind is NoticeKind {
  return Object.hasOwn(NOTICE_KINDS, kind);
}

/** Why a hospital withdrew a notice (the national ADW withdrawal reasons). 13 (Other) needs words. */
export const WITHDRAWAL_REASONS: Record<string, string> = {
  '01': 'Patient is safe to discharge without a needs assessment',
  '02': 'Patient is eligible for NHS Continuing Health Care',
  '03': 'Proposed care package is inadequate',
  '04': "Patient's proposed treatment has been cancelled or postponed",
  '05': 'Patient has refused a needs assessment',
  '06': 'Patient is resident in another local authority',
  '07': "Patient's condition has deteriorated",
  '08': 'Patient has died',
  '09': 'Patient has transferred to intermediate care',
  '10': 'Patient has self-discharged',
  '11': 'Patient is making their own arrangements',
  '12': 'Notice sent in error',
  '13': 'Other',
};

/** The words of a national withdrawal reason code; undefined for anything else (`__proto__` included). */
export function withdrawalReasonText(code: string): string | undefined {
  return Object.hasOwn(WITHDRAWAL_REASONS, code) ? WITHDRAWAL_REASONS[code] : undefined;
}

export interface Reason {
  code?: string;
  text?: string;
}

/** A notice as received: its identity, what the council acts on, and the document itself, kept whole. */
export interface HospitalNotice {
  id: string;
  /** The sender's own id for the notice: the key that makes a resend a no-op. */
  senderIdentifier: { system: string; value: string };
  kind: NoticeKind;
  personId: string;
  nhsNumber: string;
  /** ODS code of the sending hospital trust. */
  senderOds: string;
  sent: string;
  /** The earlier notice this one follows up or withdraws (discharge, withdrawals). */
  inResponseToId?: string;
  /** The notice that opened this referral: itself for assessment and admission notices. */
  referralId: string;
  withdrawalReason?: Reason;
  /** The expected (assessment) or planned (discharge) date of discharge, if the notice gives one. */
  dischargeDate?: string;
  /**
   * The notice as the hospital sent it, kept whole. Our ids and literal references are filled in
   * when it is served, not here (documents kept before that already carry them).
   */
  document: Record<string, unknown>;
  /**
   * A digest of the notice exactly as received (without the id and meta the server assigns): a
   * resend under the same identifier must carry the same content. Absent for notices kept before.
   */
  receivedDigest?: string;
}

/** A person the notice describes, used when the council does not yet know them. */
export interface NoticePersonDetails {
  givenNames: string[];
  familyName: string;
  birthDate: string;
  gender: 'male' | 'female' | 'other' | 'unknown';
  address?: { lines: string[]; city?: string; district?: string; postcode?: string };
  telecom: { system: 'phone' | 'email'; value: string; use?: 'home' | 'work' | 'mobile' }[];
}

/** An earlier notice named by a later one: by our id, or by the sender's own identifier. */
export interface NoticeReference {
  id?: string;
  identifier?: { system: string; value: string };
}

/**
 * A notice as a hospital submits it, before intake: what the council acts on, the document to keep,
 * the earlier notice it answers and whom it is about. Intake gives it its id, person and referral.
 */
export interface NoticeSubmission {
  notice: Omit<HospitalNotice, 'id' | 'personId' | 'referralId' | 'inResponseToId' | 'document'>;
  /** The document exactly as sent, kept whole. */
  document: Record<string, unknown>;
  /** The earlier notice this one follows up or withdraws. */
  inResponseTo?: NoticeReference;
  /** Who the notice is about, for a person the council does not yet know. */
  person?: NoticePersonDetails;
}
