import { Task } from '@medplum/fhirtypes';
import { CONTACT_STATUSES, ContactChanges, ContactStatus } from '../../domain/contact';
import { ID_CHARS } from '../../domain/ids';
import { badRequest, FhirError, outcome } from '../outcome';

const TEAM_REFERENCE = new RegExp(`^Organization/(${ID_CHARS})$`);
/** "Type/id" at the end of a reference, relative or absolute. */
const RELATIVE_REFERENCE = new RegExp(`([A-Za-z]+/${ID_CHARS})$`);

/**
 * What the council may change on a contact through PUT or PATCH: status, statusReason,
 * businessStatus, note, and the owner (reassigning the work to another council team). Whom it is
 * for and the notice that raised it are facts of the contact: a Task naming others is refused
 * (422), never answered 200 with the change silently dropped. Everything else is the facade's and
 * is taken from the stored contact.
 */
export function contactChangesFrom(body: unknown, id: string, current: Task): ContactChanges {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a FHIR Task', ['Task']);
  const t = body as Task;
  if (t.resourceType !== 'Task') throw badRequest(`Expected a Task, got ${JSON.stringify(t.resourceType ?? null)}`, ['Task.resourceType']);
  if (t.id !== id) throw badRequest(`The Task's id (${t.id ?? 'none'}) must match the id in the URL (${id})`, ['Task.id']);
  if (!CONTACT_STATUSES.includes(t.status as ContactStatus)) {
    throw badRequest(`Task.status must be one of ${CONTACT_STATUSES.join(', ')}`, ['Task.status']);
  }
  const status = t.status as ContactStatus;
  const reasonText =
    text(t.statusReason?.text, 'Task.statusReason.text') ?? text(t.statusReason?.coding?.[0]?.display, 'Task.statusReason.coding.display');
  if (status === 'rejected' && !reasonText) {
    throw badRequest('A rejected contact needs a reason in statusReason.text, for the hospital to read', ['Task.statusReason']);
  }
  if (t.note !== undefined && !Array.isArray(t.note)) throw badRequest('Task.note must be a list of annotations', ['Task.note']);
  for (const element of ['for', 'focus'] as const) {
    const sent = referenceOf(t[element], `Task.${element}`);
    if (sent !== undefined && sent !== current[element]?.reference) {
      throw new FhirError(
        422,
        outcome('business-rule', `Task.${element} cannot change: this contact is about ${current[element]?.reference}, not ${sent}`, 'error', [`Task.${element}`]),
      );
    }
  }
  const owner = referenceOf(t.owner, 'Task.owner');
  let ownerTeamId: string | undefined;
  if (owner !== undefined && owner !== current.owner?.reference) {
    ownerTeamId = TEAM_REFERENCE.exec(owner)?.[1];
    if (!ownerTeamId) throw badRequest(`Task.owner must name a council team as Organization/<id>, not ${owner}`, ['Task.owner']);
  }
  // The Task sent is the whole of it (PUT, or the patched Task): what it leaves out is cleared.
  return {
    ...(ownerTeamId ? { ownerTeamId } : {}),
    status,
    statusReason: t.statusReason ? { code: text(t.statusReason.coding?.[0]?.code, 'Task.statusReason.coding.code'), text: reasonText } : undefined,
    businessStatus: text(t.businessStatus?.text, 'Task.businessStatus.text'),
    note: t.note?.map((n, i) => text(n?.text, `Task.note[${i}].text`)).filter(Boolean).join('\n') || undefined,
  };
}

/** A Reference's relative reference ("Type/id", from an absolute URL too), or undefined when the element is absent. */
function referenceOf(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const ref = typeof value === 'object' && !Array.isArray(value) ? (value as { reference?: unknown }).reference : undefined;
  if (typeof ref !== 'string') throw badRequest(`${path} must be a Reference with a reference such as Organization/<id>`, [path]);
  return RELATIVE_REFERENCE.exec(ref)?.[1] ?? ref;
}

/** A string element, or undefined when absent; any other JSON type is the sender's mistake. */
function text(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badRequest(`${path} must be a string`, [path]);
  return value;
}
