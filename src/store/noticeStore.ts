import { randomUUID } from 'node:crypto';
import { canMoveTo, Contact } from '../domain/contact';
import { IntakeAction, openContactOf, planIntake } from '../domain/intake';
import { HospitalNotice, NoticePersonDetails } from '../domain/notice';
import { SqlExecutor } from './sqlDriver';
import { Store, Stored } from './store';
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

class DuplicateNotice extends Error {}

export interface IntakeSettings {
  intakeTeamId: string;
  /** Completes the stored document from the final notice (our ids, literal references). */
  completeDocument(notice: HospitalNotice, contactId: string | undefined): Record<string, unknown>;
}

/**
 * Records a notice and the contact it creates or changes in one transaction: after a crash there is
 * either nothing or the whole notice. A notice whose sender identifier is already known (a retry,
 * or a copy racing in on another connection or instance) changes nothing and returns the first.
 */
export async function receiveNotice(store: Store, sub: NoticeSubmission, settings: IntakeSettings): Promise<IntakeResult> {
  const existing = await findBySenderIdentifier(store, sub.notice.senderIdentifier);
  if (existing) return { created: false, notice: existing, contact: await contactFor(store, existing.record) };
  try {
    const { noticeId, contactId, action, personCreated } = await store.db.transaction(async (tx) => {
      const { personId, created: personCreated } = await resolvePerson(tx, sub);
      const earlier = sub.inResponseTo ? await resolveEarlier(tx, sub) : undefined;
      const noticeId = randomUUID();
      const notice: HospitalNotice = {
        ...sub.notice,
        id: noticeId,
        personId,
        inResponseToId: earlier?.id,
        referralId: earlier?.referralId ?? noticeId,
        document: sub.document,
      };
      if (earlier && earlier.personId !== personId) {
        throw new NoticeRefused('Communication.inResponseTo', `the notice it answers (${earlier.id}) is about a different person`);
      }
      const contacts = await tx.query<Record<string, unknown>>(
        `SELECT ${TABLES.contact.select} FROM contacts WHERE referral_id = $1 ORDER BY created_at FOR UPDATE`,
        [notice.referralId],
      );
      const person = (await tx.query<{ responsible_team_id: string | null }>('SELECT responsible_team_id FROM people WHERE id = $1', [personId]))[0];
      const active = await tx.query(
        `SELECT 1 FROM care_packages WHERE person_id = $1 AND status = 'active' LIMIT 1`,
        [personId],
      );
      const action = planIntake({
        notice,
        openContact: openContactOf(contacts.map((r) => TABLES.contact.fromRow(r))),
        hasActivePackage: active.length > 0,
        intakeTeamId: settings.intakeTeamId,
        responsibleTeamId: person?.responsible_team_id ?? undefined,
        today: new Date().toISOString().slice(0, 10),
      });
      const contactId = action.type === 'create-contact' ? randomUUID() : action.type === 'update-contact' ? action.contactId : undefined;
      notice.document = settings.completeDocument(notice, contactId);
      const inserted = await tx.query(
        `INSERT INTO notices (${columns('notice')}) SELECT ${columns('notice')} FROM jsonb_to_recordset($1::jsonb) AS r(${TABLES.notice.insertColumns})
         ON CONFLICT (identifier_system, identifier_value) DO NOTHING RETURNING id`,
        [JSON.stringify([TABLES.notice.toRow(notice)])],
      );
      if (inserted.length === 0) throw new DuplicateNotice();
      if (action.type === 'create-contact') {
        await tx.query(
          `INSERT INTO contacts (${columns('contact')}) SELECT ${columns('contact')} FROM jsonb_to_recordset($1::jsonb) AS r(${TABLES.contact.insertColumns})`,
          [JSON.stringify([TABLES.contact.toRow({ ...action.contact, id: contactId!, createdAt: '' })])],
        );
      } else if (action.type === 'update-contact') {
        await applyContactChanges(tx, action.contactId, action.changes);
      }
      return { noticeId, contactId, action, personCreated };
    });
    // A new person is visible to lookups at once, here and in other instances.
    if (personCreated) await store.dataChanged();
    const notice = (await store.get('notice', noticeId))!;
    const contact = contactId ? await store.get('contact', contactId) : undefined;
    return { created: true, personCreated, notice, contact, action };
  } catch (err) {
    if (!(err instanceof DuplicateNotice) && !isUniqueViolation(err)) throw err;
    const first = await findBySenderIdentifier(store, sub.notice.senderIdentifier);
    if (!first) throw err;
    return { created: false, notice: first, contact: await contactFor(store, first.record) };
  }
}

export type ContactChanges = Partial<Pick<Contact, 'status' | 'statusReason' | 'businessStatus' | 'dueDate' | 'inputs' | 'note'>>;

export class StaleVersion extends Error {}
export class BadTransition extends Error {}

/**
 * The council's answer to a contact (accept, reject with a reason, progress). Checks the version
 * the caller saw (If-Match) and that the status may move that way, then bumps the version.
 */
export async function updateContact(store: Store, id: string, changes: ContactChanges, expectedVersion?: number): Promise<Stored<Contact> | undefined> {
  const updated = await store.db.transaction(async (tx) => {
    const rows = await tx.query<Record<string, unknown>>(`SELECT ${TABLES.contact.select} FROM contacts WHERE id = $1 FOR UPDATE`, [id]);
    if (rows.length === 0) return false;
    const current = TABLES.contact.fromRow(rows[0]);
    if (expectedVersion !== undefined && expectedVersion !== rows[0].version) {
      throw new StaleVersion(`the contact is at version ${rows[0].version}, not ${expectedVersion}`);
    }
    if (changes.status && !canMoveTo(current.status, changes.status)) {
      throw new BadTransition(`a ${current.status} contact cannot become ${changes.status}`);
    }
    await applyContactChanges(tx, id, changes);
    return true;
  });
  return updated ? store.get('contact', id) : undefined;
}

async function applyContactChanges(tx: SqlExecutor, id: string, changes: ContactChanges) {
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
  params.push(id);
  await tx.query(
    `UPDATE contacts SET ${[...sets, 'version = version + 1', 'last_updated = now()'].join(', ')} WHERE id = $${params.length}`,
    params,
  );
}

async function resolvePerson(tx: SqlExecutor, sub: NoticeSubmission): Promise<{ personId: string; created: boolean }> {
  const nhs = sub.notice.nhsNumber;
  const found = await tx.query<{ id: string }>('SELECT id FROM people WHERE nhs_number = $1', [nhs]);
  if (found.length) return { personId: found[0].id, created: false };
  const p = sub.person;
  if (!p) {
    throw new NoticeRefused(
      'Communication.contained',
      `NHS number ${nhs} is not known to the council: include the patient's details (a contained Patient with name, birth date and gender) so a record can be opened`,
    );
  }
  // Two notices about the same new person may race: the NHS number is unique, so one insert wins.
  await tx.query(
    `INSERT INTO people (${columns('person')}) SELECT ${columns('person')} FROM jsonb_to_recordset($1::jsonb) AS r(${TABLES.person.insertColumns})
     ON CONFLICT (nhs_number) DO NOTHING`,
    [
      JSON.stringify([
        TABLES.person.toRow({
          id: `HN-${randomUUID()}`,
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
  return { personId: (await tx.query<{ id: string }>('SELECT id FROM people WHERE nhs_number = $1', [nhs]))[0].id, created: true };
}

async function resolveEarlier(tx: SqlExecutor, sub: NoticeSubmission): Promise<HospitalNotice> {
  const ref = sub.inResponseTo!;
  const rows = ref.id
    ? await tx.query<Record<string, unknown>>(`SELECT ${TABLES.notice.select} FROM notices WHERE id = $1`, [ref.id])
    : await tx.query<Record<string, unknown>>(
        `SELECT ${TABLES.notice.select} FROM notices WHERE identifier_system = $1 AND identifier_value = $2`,
        [ref.identifier!.system, ref.identifier!.value],
      );
  if (rows.length === 0) {
    const what = ref.id ? `Communication/${ref.id}` : `${ref.identifier!.system}|${ref.identifier!.value}`;
    throw new NoticeRefused('Communication.inResponseTo', `the notice it answers (${what}) has not been received`);
  }
  return TABLES.notice.fromRow(rows[0]);
}

async function findBySenderIdentifier(store: Store, identifier: { system: string; value: string }) {
  const { records } = await store.search(
    'notice',
    [
      { field: 'identifierSystem', match: 'any-of', values: [identifier.system] },
      { field: 'identifierValue', match: 'any-of', values: [identifier.value] },
    ],
    { limit: 1, offset: 0 },
  );
  return records[0];
}

async function contactFor(store: Store, notice: HospitalNotice): Promise<Stored<Contact> | undefined> {
  const { records } = await store.search(
    'contact',
    [{ field: 'referralId', match: 'any-of', values: [notice.referralId] }],
    { limit: 1, offset: 0 },
  );
  return records[0];
}

function columns(kind: keyof typeof TABLES): string {
  return insertColumnNames(TABLES[kind] as EntityTable<unknown>);
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}
