/**
 * A record of one access to the facade: who (client, organisation, user), what (the people and
 * records touched, the query), when, why (purpose of use) and how it ended. Append-only.
 */
export type AuditInteraction =
  | 'read'
  | 'vread'
  | 'history'
  | 'search'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'transaction'
  | 'batch'
  | 'operation'
  | 'capabilities'
  | 'token'
  | 'purge';

/** FHIR AuditEvent outcomes: 0 success, 4 minor failure (refused, bad request), 8 serious failure, 12 major. */
export type AuditOutcome = '0' | '4' | '8' | '12';

export interface AuditUser {
  /** The user's id in the caller's system, or their SDS user id (NHS smartcard). */
  id?: string;
  name?: string;
  /** Job role, as words or an SDS role code. */
  role?: string;
  sdsUserId?: string;
  sdsRoleProfileId?: string;
  /** The user's own organisation (ODS), e.g. from NHSD-End-User-Organisation-ODS. */
  organization?: string;
}

export interface AccessRecord {
  id: string;
  recorded: string;
  interaction: AuditInteraction;
  /** C create, R read/search, U update, D delete (purge), E execute (token, operations): actionOf. */
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  outcome: AuditOutcome;
  outcomeDescription?: string;
  httpStatus: number;
  resourceType?: string;
  clientId?: string;
  organization?: string;
  user?: AuditUser;
  /** Purpose of use (v3 ActReason code): TREAT (direct care) unless the token or request says otherwise. */
  purposeOfUse: string;
  requestId: string;
  /**
   * The caller's correlation id (X-Correlation-ID), when it sent a valid one: shared by every
   * request of one clinical transaction, across the systems it passes through.
   */
  correlationId?: string;
  method: string;
  path: string;
  query?: string;
  /** The people the access touched (our ids); their NHS numbers are filled in by the store. */
  personIds: string[];
  nhsNumbers: string[];
  /**
   * True when nhsNumbers already holds the number of every person in personIds that has one (each
   * was returned as a Patient), so the store need not look them up.
   */
  nhsNumbersComplete?: boolean;
  /** The records returned or written, as Type/id. */
  entities: string[];
}

export const PURPOSES_OF_USE: Record<string, string> = {
  TREAT: 'treatment (direct care)',
  ETREAT: 'emergency treatment',
  CAREMGT: 'care management',
  HOPERAT: 'healthcare operations',
  PATRQT: 'patient requested (subject access request)',
  HRESCH: 'healthcare research',
  PUBHLTH: 'public health',
  COC: 'coordination of care',
};

export function outcomeOfStatus(status: number): AuditOutcome {
  if (status < 400) return '0';
  if (status < 500) return '4';
  return '8';
}

/** The AuditEvent action of an interaction: C create, R read, U update, D delete, E execute. */
export function actionOf(interaction: AuditInteraction): AccessRecord['action'] {
  switch (interaction) {
    case 'create':
      return 'C';
    case 'update':
    case 'patch':
      return 'U';
    case 'read':
    case 'vread':
    case 'history':
    case 'search':
    case 'capabilities':
      return 'R';
    case 'delete':
    case 'purge':
      return 'D';
    default:
      return 'E';
  }
}

/**
 * A notice to council staff that someone outside the council looked at a person they are
 * responsible for, or tried to look at a restricted record (the CP-IS pattern). At most one per
 * key (client, person, day).
 */
export interface AccessNotification {
  /** `client|person|day`: a second look the same day changes nothing. */
  key: string;
  personId: string;
  nhsNumber?: string;
  /** The person's name as staff know it. */
  personName: string;
  /** Who looked: the client and its organisation (ODS). */
  clientId: string;
  organization?: string;
  /** Who is told, as the notices table keeps it: `PractitionerRole/<worker>` or `Organization/<team>`. */
  recipient: string;
  /** The look was at a restricted record: refused, and urgent for staff. */
  restricted: boolean;
  /** The council (ODS), sender of the notification. */
  councilOds: string;
  sent: string;
}
