import { createHash } from 'node:crypto';
import { ID } from '../../domain/ids';

/**
 * Ids made from what the return says, so that the same return read twice gives the same ids and
 * a later import finds what an earlier one brought in.
 */

function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 40);
}

/** The Event Reference itself when it is a valid id, else "h-" and the first 40 hex digits of its SHA-256. */
export function eventId(reference: string): string {
  return ID.test(reference) ? reference : `h-${digest(reference)}`;
}

/**
 * A carer and the adult they care for: "cr-" and a digest of the two ids, so that no pair of ids
 * (each up to 64 characters, and free to hold the separator) gives another pair's id.
 */
export function careRelationshipId(carerId: string, caredForId: string): string {
  return `cr-${digest(`${carerId}\n${caredForId}`)}`;
}
