import { OrganisationKind } from '../domain/organisation';
import { Person } from '../domain/person';
import { Refused } from '../domain/refusal';
import { currentRecords, deleteRecords, writeRecords } from '../store/changePath';
import { SqlExecutor } from '../store/sqlDriver';
import { Stored } from '../store/store';
import { EntityTypes } from '../store/tables';

/**
 * One record of the council's written as the council's own system says it (a FHIR write from its
 * integration engine), inside the caller's transaction, through the one change path: the version
 * the writer saw is checked, the records it names must exist (and be the right kind of
 * organisation), one NHS number belongs to one person, and a record something still refers to is
 * not removed. The caller commits and then tells every instance (Store.dataChanged).
 */

/** The council's records a FHIR write may change: everything of the council's dataset. */
export type CouncilKind = 'person' | 'organisation' | 'worker' | 'carePackage' | 'safeguardingConcern' | 'assessment' | 'careRelationship';

/** A record a written record refers to: it must exist (and, for organisations, be of a kind allowed there). */
export interface RequiredReference {
  kind: 'person' | 'organisation' | 'worker';
  id: string;
  /** Where the sender named it: the refusal's expression (e.g. "CarePlan.subject"). */
  expression: string;
  /** For organisations: the kinds that may be named there (a performer is a provider; a team is a team or the council). */
  organisationKinds?: OrganisationKind[];
}

export type RecordRefusal =
  | { code: 'version-conflict'; kind: CouncilKind; id: string; expected: number; held?: number }
  | { code: 'unknown-reference'; reference: RequiredReference }
  | { code: 'wrong-kind-of-organisation'; reference: RequiredReference; actual: OrganisationKind }
  | { code: 'nhs-number-in-use'; nhsNumber: string; heldBy: string; heldByRestricted: boolean }
  | { code: 'still-referred-to'; kind: CouncilKind; id: string; by?: string };

export class RecordRefused extends Refused<RecordRefusal> {
  constructor(refusal: RecordRefusal) {
    super(refusal, describe(refusal));
  }
}

function describe(r: RecordRefusal): string {
  switch (r.code) {
    case 'version-conflict':
      return r.held === undefined
        ? `${r.kind} ${r.id} does not exist, so it is not at version ${r.expected}`
        : `${r.kind} ${r.id} is at version ${r.held}, not ${r.expected}: it changed since it was read`;
    case 'unknown-reference':
      return `${r.reference.kind} ${r.reference.id} does not exist`;
    case 'wrong-kind-of-organisation':
      return `organisation ${r.reference.id} is a ${r.actual}, not a ${r.reference.organisationKinds?.join(' or ')}`;
    case 'nhs-number-in-use':
      return `NHS number ${r.nhsNumber} already belongs to person ${r.heldBy}`;
    case 'still-referred-to':
      return `${r.kind} ${r.id} is still referred to${r.by ? ` by ${r.by}` : ''}`;
  }
}

export interface SavedRecord<K extends CouncilKind> {
  stored: Stored<EntityTypes[K]>;
  created: boolean;
  /** False when the record was written again unchanged: no new version. */
  changed: boolean;
}

/** The key space of the locks writers of one record (or one NHS number) take: apart from the dataset's lock. */
const WRITE_LOCK_SPACE = 7346;

/**
 * The record held under an id, locked until the transaction ends (what a write is merged into
 * cannot change under it). Two writers of the same new id wait for each other here (an advisory
 * lock on the id, as there is no row yet to lock), so the second finds what the first wrote.
 */
export async function heldRecord<K extends CouncilKind>(tx: SqlExecutor, kind: K, id: string): Promise<Stored<EntityTypes[K]> | undefined> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_LOCK_SPACE, `${kind}/${id}`]);
  return (await currentRecords(tx, kind, [id])).get(id);
}

/** The people among these ids whose records are restricted. */
export async function restrictedAmong(tx: SqlExecutor, personIds: string[]): Promise<string[]> {
  if (personIds.length === 0) return [];
  const rows = await tx.query<{ id: string }>('SELECT id FROM people WHERE id = ANY($1) AND restricted', [personIds]);
  return rows.map((r) => r.id);
}

/**
 * Whether an error is two writers meeting (a unique key taken at the same moment, a deadlock
 * between two transactions writing the same records in a different order): the sender may retry.
 */
export function isConcurrentWrite(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '23505' || code === '40P01' || code === '40001';
}

/**
 * Writes one record whole. `held` is what heldRecord returned for its id (undefined: it is new);
 * `expectedVersion`, the version the writer saw (If-Match), is checked against it.
 */
export async function saveRecord<K extends CouncilKind>(
  tx: SqlExecutor,
  kind: K,
  record: EntityTypes[K],
  opts: { held: Stored<EntityTypes[K]> | undefined; expectedVersion?: number; references: RequiredReference[]; changedBy: string },
): Promise<SavedRecord<K>> {
  const id = (record as { id: string }).id;
  checkVersion(kind, id, opts.held, opts.expectedVersion);
  await checkReferences(tx, opts.references);
  if (kind === 'person') await checkNhsNumber(tx, record as Person);
  const counts = await writeRecords(tx, kind, [record], {
    changedBy: opts.changedBy,
    current: new Map(opts.held ? [[id, opts.held]] : []),
  });
  const stored = (await currentRecords(tx, kind, [id])).get(id)!;
  return { stored, created: counts.added === 1, changed: counts.unchanged === 0 };
}

/**
 * Removes one record, its last version kept in the history. False when there was none to remove;
 * refused when something still refers to it (a person's allocation to a worker, a package's provider).
 */
export async function removeRecord(
  tx: SqlExecutor,
  kind: CouncilKind,
  id: string,
  opts: { held: Stored<unknown> | undefined; expectedVersion?: number; changedBy: string },
): Promise<boolean> {
  checkVersion(kind, id, opts.held, opts.expectedVersion);
  if (!opts.held) return false;
  try {
    // A savepoint: a refused delete leaves the rest of a transaction Bundle's work standing until it decides.
    await tx.query('SAVEPOINT remove_record');
    await deleteRecords(tx, kind, [id], opts.changedBy);
    await tx.query('RELEASE SAVEPOINT remove_record');
  } catch (err) {
    const e = err as { code?: string; table?: string };
    if (e.code !== '23503') throw err;
    await tx.query('ROLLBACK TO SAVEPOINT remove_record');
    throw new RecordRefused({ code: 'still-referred-to', kind, id, by: e.table });
  }
  return true;
}

function checkVersion(kind: CouncilKind, id: string, held: Stored<unknown> | undefined, expected: number | undefined) {
  if (expected === undefined) return;
  if (!held || held.version !== expected) throw new RecordRefused({ code: 'version-conflict', kind, id, expected, held: held?.version });
}

async function checkReferences(tx: SqlExecutor, references: RequiredReference[]) {
  for (const ref of references) {
    const found = (await currentRecords(tx, ref.kind, [ref.id])).get(ref.id);
    if (!found) throw new RecordRefused({ code: 'unknown-reference', reference: ref });
    if (ref.kind === 'organisation' && ref.organisationKinds) {
      const actual = (found.record as EntityTypes['organisation']).kind;
      if (!ref.organisationKinds.includes(actual)) throw new RecordRefused({ code: 'wrong-kind-of-organisation', reference: ref, actual });
    }
  }
}

/** One NHS number, one person: a second record under the same number would split what A&E sees. */
async function checkNhsNumber(tx: SqlExecutor, person: Person) {
  if (!person.nhsNumber) return;
  // Two new people under one number at the same moment: the second waits, then finds the first.
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [WRITE_LOCK_SPACE, `nhs/${person.nhsNumber}`]);
  const rows = await tx.query<{ id: string; restricted: boolean }>('SELECT id, restricted FROM people WHERE nhs_number = $1 AND id <> $2', [person.nhsNumber, person.id]);
  if (rows.length) throw new RecordRefused({ code: 'nhs-number-in-use', nhsNumber: person.nhsNumber, heldBy: rows[0].id, heldByRestricted: rows[0].restricted });
}
