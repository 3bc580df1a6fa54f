import { answerRefusal, Contact, ContactChanges, ContactRefused } from '../domain/contact';
import { isCouncilTeam, lockContact, updateContact } from '../store/noticeRepository';
import { Store, Stored } from '../store/store';

/** The council's answers to contacts over one store since start: for metrics. */
export interface ContactAnswerCounts {
  answered: number;
  /** Refused (ContactRefused): a stale version, a move the status may not make, an unknown team. */
  refused: number;
}

const countsByStore = new WeakMap<Store, ContactAnswerCounts>();

/** The counts of the answers given over this store (kept by store: every app over it shares them). */
export function contactAnswerCounts(store: Store): ContactAnswerCounts {
  let counts = countsByStore.get(store);
  if (!counts) countsByStore.set(store, (counts = { answered: 0, refused: 0 }));
  return counts;
}

/**
 * The council's answer to a contact (accept, reject with a reason, progress, reassign). Checks the
 * version the caller saw (If-Match), that the status may move that way and that a new owner is one
 * of the council's teams, then bumps the version, all in one transaction holding the contact's row.
 * Undefined when there is no such contact; refusals are ContactRefused, with a reason code.
 */
export async function answerContact(
  store: Store,
  id: string,
  changes: ContactChanges,
  expectedVersion?: number,
): Promise<Stored<Contact> | undefined> {
  const counts = contactAnswerCounts(store);
  try {
    const answered = await answer(store, id, changes, expectedVersion);
    if (answered) counts.answered++;
    return answered;
  } catch (err) {
    if (err instanceof ContactRefused) counts.refused++;
    throw err;
  }
}

function answer(store: Store, id: string, changes: ContactChanges, expectedVersion?: number): Promise<Stored<Contact> | undefined> {
  return store.db.transaction(async (tx) => {
    const current = await lockContact(tx, id);
    if (!current) return undefined;
    const refusal = answerRefusal({ status: current.record.status, version: current.version }, changes, expectedVersion);
    if (refusal) throw new ContactRefused(refusal);
    if (changes.ownerTeamId && !(await isCouncilTeam(tx, changes.ownerTeamId))) {
      throw new ContactRefused({ code: 'unknown-team', teamId: changes.ownerTeamId });
    }
    return updateContact(tx, id, changes);
  });
}
