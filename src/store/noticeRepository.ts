import { Contact, ContactChanges } from '../domain/contact';
import { HospitalNotice, NoticeReference } from '../domain/notice';
import { Person } from '../domain/person';
import { keepHistory } from './changePath';
import { SqlExecutor } from './sqlDriver';
import { Store, Stored, storedRow } from './store';
import { TABLES } from './tables';

/**
 * The SQL of notice intake and contact answers: reads, inserts, updates and row locks, each run on
 * the executor it is given (the store's pool, or a transaction the intake service holds). What to
 * do, and when a notice or an answer is refused, is decided above, not here.
 */

/** What intake needs to know before it acts, in one statement: an earlier copy of this notice, and the person. */
export interface IntakeLookup {
  existingNoticeId: string | null;
  personId: string | null;
  /** The council's record of the person's birth date (YYYY-MM-DD), when the person is known. */
  birthDate: string | null;
  responsibleTeamId: string | null;
  hasActivePackage: boolean;
}

export async function lookUpIntake(
  db: SqlExecutor,
  sender: { senderOds: string; senderIdentifier: { system: string; value: string }; nhsNumber: string },
): Promise<IntakeLookup> {
  const rows = await db.query<{
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
    [sender.senderOds, sender.senderIdentifier.system, sender.senderIdentifier.value, sender.nhsNumber],
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
 * Inserts the notice and the contact it opens in one statement (atomic on its own), returning
 * both; undefined when a notice with the same sender identifier is already there (then nothing is
 * written).
 */
export async function insertNotice(
  db: SqlExecutor,
  notice: HospitalNotice,
  newContact: Contact | undefined,
): Promise<{ notice: Stored<HospitalNotice>; contact?: Stored<Contact> } | undefined> {
  const [row] = await db.query<{ notice: Record<string, unknown> | null; contact: Record<string, unknown> | null }>(
    `WITH n AS (
       INSERT INTO notices (${columns('notice')}) SELECT ${columns('notice')} FROM json_to_recordset($1::json) AS r(${TABLES.notice.insertColumns})
       ON CONFLICT (sender_ods, identifier_system, identifier_value) DO NOTHING RETURNING ${TABLES.notice.select}),
     c AS (
       INSERT INTO contacts (${columns('contact')}) SELECT ${columns('contact')} FROM json_to_recordset($2::json) AS r(${TABLES.contact.insertColumns})
       WHERE EXISTS (SELECT 1 FROM n) RETURNING ${TABLES.contact.select})
     SELECT (SELECT row_to_json(n) FROM n) AS notice, (SELECT row_to_json(c) FROM c) AS contact`,
    [JSON.stringify([TABLES.notice.toRow(notice)]), JSON.stringify(newContact ? [TABLES.contact.toRow(newContact)] : [])],
  );
  if (!row.notice) return undefined;
  return { notice: storedRow('notice', row.notice), contact: row.contact ? storedRow('contact', row.contact) : undefined };
}

/**
 * Inserts a person unless one with the same NHS number is already there (two notices about the
 * same new person may race: the NHS number is unique, so one insert wins). Returns the id of the
 * person on record, and whether this call created them.
 */
export async function insertPersonUnlessKnown(db: SqlExecutor, person: Person & { nhsNumber: string }): Promise<{ personId: string; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO people (${columns('person')}) SELECT ${columns('person')} FROM jsonb_to_recordset($1::jsonb) AS r(${TABLES.person.insertColumns})
     ON CONFLICT (nhs_number) DO NOTHING RETURNING id`,
    [JSON.stringify([TABLES.person.toRow(person)])],
  );
  if (inserted.length) return { personId: inserted[0].id, created: true };
  const [known] = await db.query<{ id: string }>('SELECT id FROM people WHERE nhs_number = $1', [person.nhsNumber]);
  return { personId: known.id, created: false };
}

/**
 * The earlier notice a notice answers, looked for only among the sender's own hospital notices
 * (access notifications have a recipient; hospital notices do not).
 */
export async function findSendersNotice(db: SqlExecutor, senderOds: string, ref: NoticeReference): Promise<HospitalNotice | undefined> {
  const rows = ref.id
    ? await db.query<Record<string, unknown>>(
        `SELECT ${TABLES.notice.select} FROM notices WHERE id = $1 AND sender_ods = $2 AND recipient IS NULL`,
        [ref.id, senderOds],
      )
    : await db.query<Record<string, unknown>>(
        `SELECT ${TABLES.notice.select} FROM notices
         WHERE sender_ods = $1 AND identifier_system = $2 AND identifier_value = $3 AND recipient IS NULL`,
        [senderOds, ref.identifier!.system, ref.identifier!.value],
      );
  return rows.length ? TABLES.notice.fromRow(rows[0]) : undefined;
}

/**
 * Locks a referral (its root notice) and its contacts until the transaction ends, returning the
 * contacts oldest first.
 */
export async function lockReferral(tx: SqlExecutor, referralId: string): Promise<Contact[]> {
  await tx.query('SELECT id FROM notices WHERE id = $1 FOR UPDATE', [referralId]);
  const rows = await tx.query<Record<string, unknown>>(
    `SELECT ${TABLES.contact.select} FROM contacts WHERE referral_id = $1 ORDER BY created_at FOR UPDATE`,
    [referralId],
  );
  return rows.map((r) => TABLES.contact.fromRow(r));
}

/** A contact, locked until the transaction ends; undefined when there is none with this id. */
export async function lockContact(tx: SqlExecutor, id: string): Promise<Stored<Contact> | undefined> {
  const rows = await tx.query<Record<string, unknown>>(`SELECT ${TABLES.contact.select} FROM contacts WHERE id = $1 FOR UPDATE`, [id]);
  return rows.length ? storedRow('contact', rows[0]) : undefined;
}

export async function isCouncilTeam(db: SqlExecutor, organisationId: string): Promise<boolean> {
  const rows = await db.query("SELECT 1 FROM organisations WHERE id = $1 AND kind = 'team'", [organisationId]);
  return rows.length > 0;
}

/**
 * Writes the changes to a contact and bumps its version, keeping the version it replaces in the
 * record's history as the council's records do (the access record of the request says who changed
 * it, so `changedBy` may be left out). Runs inside the caller's transaction: the kept version's
 * replaced_at and the new version's last_updated are then the same instant, which is how the
 * history tells a change from a delete.
 */
export async function updateContact(db: SqlExecutor, id: string, changes: ContactChanges, changedBy: string | null = null): Promise<Stored<Contact>> {
  await keepHistory(db, 'contact', [id], changedBy);
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
  const rows = await db.query<Record<string, unknown>>(
    `UPDATE contacts SET ${[...sets, 'version = version + 1', 'last_updated = now()'].join(', ')} WHERE id = $${params.length}
     RETURNING ${TABLES.contact.select}`,
    params,
  );
  return storedRow('contact', rows[0]);
}

/** A sender's notice by its own identifier. Another sender's notice with the same identifier is never found. */
export async function findBySenderIdentifier(
  store: Store,
  senderOds: string,
  identifier: { system: string; value: string },
): Promise<Stored<HospitalNotice> | undefined> {
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
 * input of its referral's contact).
 */
export async function contactOfNotice(store: Store, notice: HospitalNotice): Promise<Stored<Contact> | undefined> {
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

/** A unique constraint stopped the write: a row with the same key got in first. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

function columns(kind: keyof typeof TABLES): string {
  return TABLES[kind].insertColumnNames;
}
