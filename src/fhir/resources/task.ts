import { applyPatch, Operation } from 'fast-json-patch';
import { Task, TaskInput } from '@medplum/fhirtypes';
import { Contact, ContactChanges, ContactPurpose, ContactRefusal, ContactRefused } from '../../domain/contact';
import { NOTICE_KINDS, withdrawalReasonText } from '../../domain/notice';
import { answerContact } from '../../services/contactAnswers';
import { Criterion } from '../../store/criteria';
import { Stored } from '../../store/store';
import { MappingContext } from '../context';
import { anyKind, ResourceDefinition, WriteContext, WriteHandlers, WriteResult } from '../definition';
import { materialise } from '../materialise';
import { badRequest, FhirError, forbidden, notFound, outcome } from '../outcome';
import { searchRestriction } from '../scoping';
import { alternatives, parseToken, referenceCriterion } from '../searchValues';
import {
  CONTACT_PURPOSE_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILES,
  REFERRAL_ID_SYSTEM,
  SNOMED_SYSTEM,
  WITHDRAWAL_REASON_SYSTEM,
} from '../systems';
import { byPatientParam, idParam, reference } from './common';
import { withoutUndefined } from '../../domain/objects';
import { personReferenceParam } from './personReference';
import { contactChangesFrom } from './taskChanges';
import { requireWrite, versionOf, writeResult } from './writes';

/** What each purpose asks the council to do, in words: Task.code's display, and the published code system's. */
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
  return withoutUndefined<Task>({
    resourceType: 'Task',
    id: c.id,
    meta: { versionId: String(stored.version), lastUpdated: stored.lastUpdated, profile: [PROFILES.Task] },
    groupIdentifier: { system: REFERRAL_ID_SYSTEM, value: c.referralId },
    status: c.status,
    statusReason: reason
      ? withoutUndefined({
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
 * The council's answers to contacts (PUT, or PATCH with a JSON Patch), and each refusal as the
 * council's system sees it. Checks here are the ones a user sees: only the council answers.
 */
const contactWrites: WriteHandlers = {
  async update(id, body, ctx, ifMatch) {
    const current = await requireCouncil(ctx, id);
    return answer(ctx, id, changesOrThrow(body, id, current), versionOf(ifMatch));
  },
  async patch(id, patch, ctx, ifMatch) {
    const current = await requireCouncil(ctx, id);
    if (!Array.isArray(patch)) throw badRequest('PATCH takes a JSON Patch document (an array of operations), Content-Type application/json-patch+json');
    let patched: Task;
    try {
      patched = applyPatch(structuredClone(current), patch as Operation[], true, false).newDocument;
    } catch (err) {
      throw badRequest(`The JSON Patch cannot be applied: ${(err as Error).message.split('\n')[0]}`);
    }
    // Without If-Match, the version patched is the one read: a change made in between is a 412, not overwritten.
    return answer(ctx, id, changesOrThrow(patched, id, current), versionOf(ifMatch) ?? Number(current.meta!.versionId));
  },
};

async function answer(ctx: WriteContext, id: string, changes: ContactChanges, expectedVersion?: number): Promise<WriteResult> {
  try {
    const stored = await answerContact(ctx.store, id, changes, expectedVersion);
    if (!stored) throw notFound(`Task/${id} does not exist`);
    const [task] = await materialise(taskDefinition, [stored], ctx.store, ctx.view);
    return writeResult(200, task);
  } catch (err) {
    if (err instanceof ContactRefused) throw answerRefusalOutcome(err.refusal, err.message);
    throw err;
  }
}

/** Each reason an answer is refused, as the HTTP status, issue and element the council's system sees. */
function answerRefusalOutcome(r: ContactRefusal, message: string): FhirError {
  switch (r.code) {
    case 'stale-version':
      return new FhirError(412, outcome('conflict', `If-Match failed: ${message}; read the Task again and retry`));
    case 'bad-transition':
      return new FhirError(422, outcome('business-rule', message, 'error', ['Task.status']));
    case 'unknown-team':
      return new FhirError(422, outcome('business-rule', `Organization/${r.teamId} is not one of the council's teams`, 'error', ['Task.owner']));
  }
}

/** Only the council's own clients answer contacts; a hospital may follow them but not change them. */
async function requireCouncil(ctx: WriteContext, id: string): Promise<Task> {
  requireWrite(ctx, 'Task', 'update');
  const org = ctx.caller?.organization;
  if (ctx.caller && org !== ctx.council.odsCode) {
    throw forbidden(`Only the council (${ctx.council.odsCode}) may change a contact; this client belongs to ${org ?? 'no organisation'}`);
  }
  // The access rules are built for any kind, from this definition's own (checked) fields.
  const restriction = searchRestriction(anyKind(taskDefinition), ctx, 'read') as Criterion<'contact'>[];
  const found = await ctx.store.search('contact', [{ field: 'id', match: 'any-of', values: [id] }, ...restriction], { limit: 1, offset: 0 });
  if (!found.records.length) throw notFound(`Task/${id} does not exist`);
  const [task] = await materialise(taskDefinition, found.records, ctx.store, ctx.view);
  return task as Task;
}

function changesOrThrow(body: unknown, id: string, current: Task) {
  try {
    return contactChangesFrom(body, id, current);
  } catch (err) {
    if (err instanceof TypeError) throw badRequest(`The body is not a well-formed FHIR Task: ${err.message}`, ['Task']);
    throw err;
  }
}

export const taskDefinition: ResourceDefinition<'contact'> = {
  type: 'Task',
  profile: PROFILES.Task,
  documentation:
    'A contact: the work a hospital notice creates for the council (focus: the notice; owner: the council team). ' +
    'The council finds new ones (status=requested&owner=...) and answers with PUT or PATCH; the hospital follows them.',
  entity: 'contact',
  searchParams: {
    _id: idParam(),
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
  // A contact belongs to the hospital whose notice raised it, and to the council.
  ownerOdsField: 'requesterOds',
  patientCompartment: byPatientParam,
  writes: contactWrites,
};
