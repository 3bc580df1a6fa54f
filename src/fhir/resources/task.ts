import { Task, TaskInput } from '@medplum/fhirtypes';
import { Contact, CONTACT_STATUSES, ContactPurpose, ContactStatus } from '../../domain/contact';
import { NOTICE_KINDS, withdrawalReasonText } from '../../domain/notice';
import { ContactChanges } from '../../store/noticeStore';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { ResourceDefinition } from '../definition';
import { badRequest, FhirError, outcome } from '../outcome';
import { alternatives, parseToken, referenceCriterion } from '../searchValues';
import {
  CONTACT_PURPOSE_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILES,
  REFERRAL_ID_SYSTEM,
  SNOMED_SYSTEM,
  WITHDRAWAL_REASON_SYSTEM,
} from '../systems';
import { clean, idParam, lastUpdatedParam, reference } from './common';
import { personReferenceParam } from './personReference';
import { ID_CHARS } from '../../domain/ids';

const TEAM_REFERENCE = new RegExp(`^Organization/(${ID_CHARS})$`);
/** "Type/id" at the end of a reference, relative or absolute. */
const RELATIVE_REFERENCE = new RegExp(`([A-Za-z]+/${ID_CHARS})$`);

export const CONTACT_PURPOSES: Record<ContactPurpose, string> = {
  assessment: 'Assess care and support needs before discharge',
  'package-review': 'Review or suspend the care package while the person is in hospital',
  discharge: 'Arrange care and support for discharge',
};

/**
 * A contact as a Task (profile SocialCare-Contact): focus is the notice that raised it, `for` the
 * person, owner the council team, restriction.period.end the date it is due. The council moves its
 * status (accepted, rejected with a reason, in-progress, completed); a withdrawal cancels it.
 */
export function toTask(stored: Stored<Contact>, ctx: MappingContext): Task {
  const c = stored.record;
  const team = ctx.organisation(c.ownerTeamId);
  const kind = NOTICE_KINDS[c.kind];
  const input: TaskInput[] = c.inputs.map((i) => ({
    type: { coding: [{ system: SNOMED_SYSTEM, code: NOTICE_KINDS[i.kind].code, display: NOTICE_KINDS[i.kind].display }] },
    valueReference: reference('Communication', i.noticeId),
  }));
  const reason = c.statusReason;
  return clean<Task>({
    resourceType: 'Task',
    id: c.id,
    meta: { versionId: String(stored.version), lastUpdated: stored.lastUpdated, profile: [PROFILES.Task] },
    groupIdentifier: { system: REFERRAL_ID_SYSTEM, value: c.referralId },
    status: c.status,
    statusReason: reason
      ? clean({
          coding: reason.code && withdrawalReasonText(reason.code) && c.status === 'cancelled'
            ? [{ system: WITHDRAWAL_REASON_SYSTEM, code: reason.code, display: withdrawalReasonText(reason.code) }]
            : undefined,
          text: reason.text,
        })
      : undefined,
    businessStatus: c.businessStatus ? { text: c.businessStatus } : undefined,
    intent: 'order',
    priority: 'urgent',
    code: {
      coding: [{ system: CONTACT_PURPOSE_SYSTEM, code: c.purpose, display: CONTACT_PURPOSES[c.purpose] }],
      text: `${kind.display}: ${CONTACT_PURPOSES[c.purpose]}`,
    },
    focus: reference('Communication', c.noticeId, kind.display),
    for: reference('Patient', c.personId),
    authoredOn: c.createdAt,
    lastModified: stored.lastUpdated,
    requester: { identifier: { system: ODS_ORGANIZATION_SYSTEM, value: c.requesterOds } },
    owner: reference('Organization', c.ownerTeamId, team?.name),
    restriction: c.dueDate ? { period: { end: c.dueDate } } : undefined,
    input: input.length ? input : undefined,
    note: c.note ? [{ text: c.note }] : undefined,
  });
}

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

export const taskDefinition: ResourceDefinition<'contact'> = {
  type: 'Task',
  profile: PROFILES.Task,
  documentation:
    'A contact: the work a hospital notice creates for the council (focus: the notice; owner: the council team). ' +
    'The council finds new ones (status=requested&owner=...) and answers with PUT or PATCH; the hospital follows them.',
  entity: 'contact',
  searchParams: {
    _id: idParam,
    _lastUpdated: lastUpdatedParam,
    focus: {
      type: 'reference',
      documentation: 'The notice that raised the contact (Communication/id).',
      targets: ['Communication'],
      expression: 'Task.focus',
      definition: 'http://hl7.org/fhir/SearchParameter/Task-focus',
      toCriterion: (use) => referenceCriterion('noticeId', 'Communication', use),
    },
    status: {
      type: 'token',
      documentation: 'requested, accepted, rejected, in-progress, completed, cancelled.',
      expression: 'Task.status',
      definition: 'http://hl7.org/fhir/SearchParameter/Task-status',
      toCriterion: (use) => ({
        field: 'status',
        match: 'any-of',
        values: alternatives(use.value).map((v) => parseToken(v).code),
      }),
    },
    owner: {
      type: 'reference',
      documentation: 'The council team that owns the contact (Organization/id).',
      targets: ['Organization'],
      expression: 'Task.owner',
      definition: 'http://hl7.org/fhir/SearchParameter/Task-owner',
      toCriterion: (use) => referenceCriterion('ownerTeamId', 'Organization', use),
    },
    patient: personReferenceParam(
      'personId',
      'The person: Patient/id, :identifier with an NHS number, or chained.',
      'Task.for.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/Task-patient',
    ),
    subject: personReferenceParam('personId', 'Same as patient.', 'Task.for', 'http://hl7.org/fhir/SearchParameter/Task-subject'),
  },
  includes: {
    focus: { targets: ['Communication'], references: (r) => [(r as Task).focus!.reference!] },
    owner: { targets: ['Organization'], references: (r) => [(r as Task).owner!.reference!] },
    patient: { targets: ['Patient'], references: (r) => [(r as Task).for!.reference!] },
  },
  related: (c) => ({ organisations: [c.ownerTeamId] }),
  toFhir: toTask,
};
