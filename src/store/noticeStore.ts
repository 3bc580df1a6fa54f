import { randomUUID } from 'node:crypto';
import { canMoveTo, Contact } from '../domain/contact';
import { contradictsRecord, IntakeAction, openContactOf, planIntake } from '../domain/intake';
import { HospitalNotice, NoticePersonDetails } from '../domain/notice';
import { OPENED_FROM_NOTICE_PREFIX } from '../domain/person';
import { SqlExecutor } from './sqlDriver';
import { Store, Stored, storedRow } from './store';
import { EntityTable, insertColumnNames, TABLES } from './tables';

/** A notice to record, before it has an id, with how to find the person and the earlier notice. */
export interface NoticeSubmission {
  notice: Omit<HospitalNotice, 'id' | 'personId' | 'referralId' | 'inResponseToId' | 'document'>;
  /** The document to keep; `id`, `subject` and `inResponseTo` are completed once they are known. */
  document: Record<string, unknown>;
  /** The earlier notice, by our id or by the sender's identifier. */
  inResponseTo?: { id?: string; identifier?: { system: string; value: string } };
  /** Who the notice is about, for a person the council does not yet know. */
  person?: NoticePersonDetails;
}

export interface IntakeResult {
  created: boolean;
  /** True when the notice opened a record for a person the council did not know. */
  personCreated?: boolean;
  notice: Stored<HospitalNotice>;
  contact?: Stored<Contact>;
  action?: IntakeAction;
}

/** Why a notice cannot be taken: the FHIR layer turns it into a 422 naming the element. */
export class NoticeRefused extends Error {
  constructor(
    readonly element: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The sender has already sent a notice under this identifier with other content: a correction
 * must be a notice of its own (or a withdrawal and a new notice), never a silent replacement.
 */
export class NoticeConflict extends Error {
  constructor(readonly existingId: string) {
    super('a notice with this identifier has already been received from this sender with different content');
  }
}

class DuplicateNotice extends Error {}

export interface IntakeSettings {
  intakeTeamId: string;
  /** Completes the stored document from the final notice (our ids, literal references). */
  completeDocument(notice: HospitalNotice, contactId: string | undefined): Record<string, unknown>;
}

/**
 * Records a notice and the contact it creates or changes atomically (one statement, or one
 * transaction when the notice answers an earlier one or opens a record): after a crash there is
 * either nothing or the whole notice. A notice whose sender identifier is already known (a retry,
 * or a copy racing in on another connection or instance) changes nothing and returns the first.
 */
export async function receiveNotice(store: Store, sub: NoticeSubmission, settings: IntakeSettings): Promise<IntakeResult> {
  if (!sub.inResponseTo) {
    const situation = await lookUp(store.db, sub);
    if (situation.existingNoticeId) return alreadyReceived(store, sub);
    if (situation.personId) {
      checkDescribesRecord(situation, sub);
      return (await startReferral(store.db, sub, { ...situation, personId: situation.personId }, settings)) ?? alreadyReceived(store, sub);
    }
  }
  try {
    const taken = await store.db.transaction(async (tx) => {
      const situation = await lookUp(tx, sub);
      if (situation.existingNoticeId) return undefined;
      if (situation.personId) checkDescribesRecord(situation, sub);
      const { personId, created: personCreated } = situation.personId
        ? { personId: situation.personId, created: false }
        : await openRecord(tx, sub);
      const earlier = sub.inResponseTo ? await resolveEarlier(tx, sub) : undefined;
      if (earlier && earlier.personId !== personId) {
        throw new NoticeRefused('Communication.inResponseTo', `the notice it answers (${earlier.id}) is about a different person`);
      }
      // A notice that answers none starts a referral of its own, which has no contacts yet. One that
      // answers an earlier one locks its referral (the root notice) first: two answers to the same
      // referral arriving at once, on any connection or instance, are planned one after the other,
      // so the second sees the contact the first opened instead of opening another.
      if (earlier) await tx.query('SELECT id FROM notices WHERE id = $1 FOR UPDATE', [earlier.referralId]);
      const contacts = earlier
        ? await tx.query<Record<string, unknown>>(
            `SELECT ${TABLES.contact.select} FROM contacts WHERE referral_id = $1 ORDER BY created_at FOR UPDATE`,
            [earlier.referralId],
          )
        : [];
      const plan = planNotice(sub, { ...situation, personId }, earlier, openContactOf(contacts.map((r) => TABLES.contact.fromRow(r))), settings);
      const written = await writeNotice(tx, plan);
      if (!written) throw new DuplicateNotice();
      const contact = plan.action.type === 'update-contact' ? await applyContactChanges(tx, plan.action.contactId, plan.action.changes) : written.contact;
      return { notice: written.notice, contact, action: plan.action, personCreated };
    });
    if (taken) {
      // A new person is visible to lookups at once, here and in other instances.
      if (taken.personCreated) await store.dataChanged();
      return {
        created: true,
        personCreated: taken.personCreated,
        notice: storedRow('notice', taken.notice),
        contact: taken.contact ? storedRow('contact', taken.contact) : undefined,
        action: taken.action,
      };
    }
  } catch (err) {
    if (!(err instanceof DuplicateNotice) && !isUniqueViolation(err)) throw err;
  }
  return alreadyReceived(store, sub);
}

/**
 * Already received from this sender (a retry, or a copy that raced in on another connection or
 * instance): the first stands, if the content is the same. Another sender's notice with the same
 * identifier is never found here: identity is the sender's.
 */
async function alreadyReceived(store: Store, sub: NoticeSubmission): Promise<IntakeResult> {
  const first = await findBySenderIdentifier(store, sub.notice.senderOds, sub.notice.senderIdentifier);
  if (!first) throw new Error(`notice ${sub.notice.senderIdentifier.system}|${sub.notice.senderIdentifier.value} neither taken nor found`);
  const digest = first.record.receivedDigest;
  if (digest && sub.notice.receivedDigest && digest !== sub.notice.receivedDigest) throw new NoticeConflict(first.record.id);
  return { created: false, notice: first, contact: await contactFor(store, first.record) };
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
  situation: Situation & { personId: string },
  settings: IntakeSettings,
): Promise<IntakeResult | undefined> {
  // With no open contact, intake creates one or does nothing: it never updates one.
  const plan = planNotice(sub, situation, undefined, undefined, settings);
  const written = await writeNotice(db, plan);
  if (!written) return undefined;
  return {
    created: true,
    notice: storedRow('notice', written.notice),
    contact: written.contact ? storedRow('contact', written.contact) : undefined,
    action: plan.action,
  };
}

interface NoticePlan {
  notice: HospitalNotice;
  action: IntakeAction;
  /** The contact the notice opens, if it opens one. */
  newContact?: Contact;
}

/** The notice as it will be stored, and what intake does about it (planIntake, in the domain). */
function planNotice(
  sub: NoticeSubmission,
  situation: Situation & { personId: string },
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
  const contactId = action.type === 'create-contact' ? randomUUID() : action.type === 'update-contact' ? action.contactId : undefined;
  notice.document = settings.completeDocument(notice, contactId);
  return { notice, action, newContact: action.type === 'create-contact' ? { ...action.contact, id: contactId!, createdAt: '' } : undefined };
}

/**
 * Inserts the notice and the contact it opens in one statement, returning both rows; undefined when
 * a notice with the same sender identifier is already there (then nothing is written).
 */
async function writeNotice(
  db: SqlExecutor,
  plan: NoticePlan,
): Promise<{ notice: Record<string, unknown>; contact?: Record<string, unknown> } | undefined> {
  const [row] = await db.query<{ notice: Record<string, unknown> | null; contact: Record<string, unknown> | null }>(
    `WITH n AS (
       INSERT INTO notices (${columns('notice')}) SELECT ${columns('notice')} FROM json_to_recordset($1::json) AS r(${TABLES.notice.insertColumns})
       ON CONFLICT (sender_ods, identifier_system, identifier_value) DO NOTHING RETURNING ${TABLES.notice.select}),
     c AS (
       INSERT INTO contacts (${columns('contact')}) SELECT ${columns('contact')} FROM json_to_recordset($2::json) AS r(${TABLES.contact.insertColumns})
       WHERE EXISTS (SELECT 1 FROM n) RETURNING ${TABLES.contact.select})
     SELECT (SELECT row_to_json(n) FROM n) AS notice, (SELECT row_to_json(c) FROM c) AS contact`,
    [JSON.stringify([TABLES.notice.toRow(plan.notice)]), JSON.stringify(plan.newContact ? [TABLES.contact.toRow(plan.newContact)] : [])],
  );
  return row.notice ? { notice: row.notice, contact: row.contact ?? undefined } : undefined;
}

/** What intake needs to know before it acts, in one statement: an earlier copy of this notice, and the person. */
interface Situation {
  existingNoticeId: string | null;
  personId: string | null;
  /** The council's record of the person's birth date (YYYY-MM-DD), when the person is known. */
  birthDate: string | null;
  responsibleTeamId: string | null;
  hasActivePackage: boolean;
}

async function lookUp(tx: SqlExecutor, sub: NoticeSubmission): Promise<Situation> {
  const rows = await tx.query<{
    existing: string | null;
    person_id: string | null;
    birth_date: string | null;
    responsible_team_id: string | null;
    active: boolean;
  }>(
    `SELECT (SELECT id FROM notices WHERE sender_ods = $1 AND identifier_system = $2 AND identifier_value = $3) AS existing,
       p.id AS person_id, p.birth_date::text AS birth_date, p.responsible_team_id,
       EXISTS (SELECT 1 FROM care_packages c WHERE c.person_id = p.id AND c.status = 'active') AS active
     FROM (SELECT 1) AS one LEFT JOIN people p ON p.nhs_number = $4`,
    [sub.notice.senderOds, sub.notice.senderIdentifier.system, sub.notice.senderIdentifier.value, sub.notice.nhsNumber],
  );
  const r = rows[0];
  return {
    existingNoticeId: r.existing,
    personId: r.person_id,
    birthDate: r.birth_date,
    responsibleTeamId: r.responsible_team_id,
    hasActivePackage: r.active === true,
  };
}

/**
 * A notice about a person the council knows must not describe someone else: a contained Patient
 * born on another day than the council's record of that NHS number is refused, so a mistyped NHS
 * number cannot put a contact on the wrong person's record. The answer does not say what the
 * record holds.
 */
function checkDescribesRecord(situation: Situation, sub: NoticeSubmission) {
  if (situation.personId && situation.birthDate && contradictsRecord({ id: situation.personId, birthDate: situation.birthDate }, sub.person)) {
    throw new NoticeRefused(
      'Communication.contained.Patient.birthDate',
      `the contained Patient's birth date does not match the council's record for NHS number ${sub.notice.nhsNumber}: check the NHS number and the patient's details`,
    );
  }
}

export type ContactChanges = Partial<Pick<Contact, 'status' | 'statusReason' | 'businessStatus' | 'dueDate' | 'inputs' | 'note' | 'ownerTeamId'>>;

/** The team a contact is reassigned to is not one of the council's teams. */
export class UnknownTeam extends Error {}

export class StaleVersion extends Error {}
export class BadTransition extends Error {}

/**
 * The council's answer to a contact (accept, reject with a reason, progress). Checks the version
 * the caller saw (If-Match) and that the status may move that way, then bumps the version.
 */
export async function updateContact(store: Store, id: string, changes: ContactChanges, expectedVersion?: number): Promise<Stored<Contact> | undefined> {
  const row = await store.db.transaction(async (tx) => {
    const rows = await tx.query<Record<string, unknown>>(`SELECT ${TABLES.contact.select} FROM contacts WHERE id = $1 FOR UPDATE`, [id]);
    if (rows.length === 0) return undefined;
    const current = TABLES.contact.fromRow(rows[0]);
    if (expectedVersion !== undefined && expectedVersion !== rows[0].version) {
      throw new StaleVersion(`the contact is at version ${rows[0].version}, not ${expectedVersion}`);
    }
    if (changes.status && !canMoveTo(current.status, changes.status)) {
      throw new BadTransition(`a ${current.status} contact cannot become ${changes.status}`);
    }
    if (changes.ownerTeamId) {
      const team = await tx.query("SELECT 1 FROM organisations WHERE id = $1 AND kind = 'team'", [changes.ownerTeamId]);
      if (team.length === 0) throw new UnknownTeam(`Organization/${changes.ownerTeamId} is not one of the council's teams`);
    }
    return applyContactChanges(tx, id, changes);
  });
  return row ? storedRow('contact', row) : undefined;
}

async function applyContactChanges(tx: SqlExecutor, id: string, changes: ContactChanges): Promise<Record<string, unknown>> {
  const sets: string[] = [];
  const params: (string | null)[] = [];
  const set = (column: string, value: string | null, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if ('status' in changes) set('status', changes.status ?? null);
  if ('statusReason' in changes) set('status_reason', changes.statusReason ? JSON.stringify(changes.statusReason) : null, '::jsonb');
  if ('businessStatus' in changes) set('business_status', changes.businessStatus ?? null);
  if ('dueDate' in changes) set('due_date', changes.dueDate ?? null, '::date');
  if ('inputs' in changes) set('inputs', JSON.stringify(changes.inputs ?? []), '::jsonb');
  if ('note' in changes) set('note', changes.note ?? null);
  if (changes.ownerTeamId) set('owner_team_id', changes.ownerTeamId);
  params.push(id);
  const rows = await tx.query<Record<string, unknown>>(
    `UPDATE contacts SET ${[...sets, 'version = version + 1', 'last_updated = now()'].join(', ')} WHERE id = $${params.length}
     RETURNING ${TABLES.contact.select}`,
    params,
  );
  return rows[0];
}

/** Opens a record for a person the council does not know, from the notice's contained Patient. */
async function openRecord(tx: SqlExecutor, sub: NoticeSubmission): Promise<{ personId: string; created: boolean }> {
  const nhs = sub.notice.nhsNumber;
  const p = sub.person;
  if (!p) {
    throw new NoticeRefused(
      'Communication.contained',
      `NHS number ${nhs} is not known to the council: include the patient's details (a contained Patient with name, birth date and gender) so a record can be opened`,
    );
  }
  // Two notices about the same new person may race: the NHS number is unique, so one insert wins.
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO people (${columns('person')}) SELECT ${columns('person')} FROM jsonb_to_recordset($1::jsonb) AS r(${TABLES.person.insertColumns})
     ON CONFLICT (nhs_number) DO NOTHING RETURNING id`,
    [
      JSON.stringify([
        TABLES.person.toRow({
          id: `${OPENED_FROM_NOTICE_PREFIX}${randomUUID()}`,
          nhsNumber: nhs,
          nhsNumberVerification: '01',
          givenNames: p.givenNames,
          familyName: p.familyName,
          birthDate: p.birthDate,
          gender: p.gender,
          address: p.address,
          telecom: p.telecom,
          restricted: false,
        }),
      ]),
    ],
  );
  if (inserted.length) return { personId: inserted[0].id, created: true };
  return { personId: (await tx.query<{ id: string }>('SELECT id FROM people WHERE nhs_number = $1', [nhs]))[0].id, created: false };
}

/**
 * The earlier notice a notice answers, found only among the sender's own hospital notices: another
 * hospital's notice is answered exactly as one that does not exist, so a sender can neither act on
 * nor learn of notices that are not its own.
 */
async function resolveEarlier(tx: SqlExecutor, sub: NoticeSubmission): Promise<HospitalNotice> {
  const ref = sub.inResponseTo!;
  const sender = sub.notice.senderOds;
  const rows = ref.id
    ? await tx.query<Record<string, unknown>>(
        `SELECT ${TABLES.notice.select} FROM notices WHERE id = $1 AND sender_ods = $2 AND recipient IS NULL`,
        [ref.id, sender],
      )
    : await tx.query<Record<string, unknown>>(
        `SELECT ${TABLES.notice.select} FROM notices
         WHERE sender_ods = $1 AND identifier_system = $2 AND identifier_value = $3 AND recipient IS NULL`,
        [sender, ref.identifier!.system, ref.identifier!.value],
      );
  if (rows.length === 0) {
    const what = ref.id ? `Communication/${ref.id}` : `${ref.identifier!.system}|${ref.identifier!.value}`;
    throw new NoticeRefused('Communication.inResponseTo', `the notice it answers (${what}) has not been received from ${sender}`);
  }
  return TABLES.notice.fromRow(rows[0]);
}

async function findBySenderIdentifier(store: Store, senderOds: string, identifier: { system: string; value: string }) {
  const { records } = await store.search(
    'notice',
    [
      { field: 'senderOds', match: 'any-of', values: [senderOds] },
      { field: 'identifierSystem', match: 'any-of', values: [identifier.system] },
      { field: 'identifierValue', match: 'any-of', values: [identifier.value] },
    ],
    { limit: 1, offset: 0 },
  );
  return records[0];
}

/**
 * The contact a notice opened, or else the one it changed (a discharge notice or a withdrawal is an
 * input of its referral's contact): a resend is answered with its own, not the referral's first.
 */
async function contactFor(store: Store, notice: HospitalNotice): Promise<Stored<Contact> | undefined> {
  const { records } = await store.search(
    'contact',
    [{ field: 'referralId', match: 'any-of', values: [notice.referralId] }],
    { limit: 100, offset: 0 },
  );
  return (
    records.find((c) => c.record.noticeId === notice.id) ??
    records.find((c) => c.record.inputs.some((i) => i.noticeId === notice.id))
  );
}

function columns(kind: keyof typeof TABLES): string {
  return insertColumnNames(TABLES[kind] as EntityTable<unknown>);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}
