import { applyPatch, Operation } from 'fast-json-patch';
import { Resource, Task } from '@medplum/fhirtypes';
import { profileValidator } from '../conformance/validator';
import { PROFILES } from './systems';
import { BadTransition, NoticeConflict, NoticeRefused, receiveNotice, StaleVersion, UnknownTeam, updateContact } from '../store/noticeStore';
import { FhirError, badRequest, forbidden, notFound, outcome } from './outcome';
import { WriteContext, WriteHandlers, WriteResult } from './definition';
import { materialise } from './materialise';
import { completeNoticeDocument, InvalidNotice, parseNotice, toCommunication } from './resources/communication';
import { contactChangesFrom, taskDefinition } from './resources/task';
import { searchRestriction } from './scoping';

/**
 * Hospital notices in, contacts out: the write side of Communication and Task. Checks here are the
 * ones a user sees: who may send or answer, and what makes a notice unacceptable.
 */
export const noticeWrites: WriteHandlers = {
  async create(body, ctx, ifNoneExist) {
    requireWrite(ctx, 'Communication', 'create');
    const submission = parseOrThrow(body);
    checkAgainstProfile(body as Resource);
    const caller = ctx.caller?.organization;
    if (caller && caller !== submission.notice.senderOds) {
      throw forbidden(
        `This client belongs to ${caller} and cannot send notices on behalf of ${submission.notice.senderOds} (Communication.sender)`,
      );
    }
    if (ifNoneExist !== undefined) checkIfNoneExist(ifNoneExist, submission.notice.senderIdentifier);
    try {
      const result = await receiveNotice(ctx.store, submission, {
        intakeTeamId: ctx.council.intakeTeamId,
        completeDocument: (notice) => completeNoticeDocument(notice),
      });
      const resource = toCommunication(result.notice);
      return written(result.created ? 201 : 200, resource, result.created ? resource.id : undefined);
    } catch (err) {
      if (err instanceof NoticeRefused) {
        throw new FhirError(422, outcome('business-rule', err.message, 'error', [err.element]));
      }
      if (err instanceof NoticeConflict) {
        const { system, value } = submission.notice.senderIdentifier;
        throw new FhirError(
          409,
          outcome(
            'duplicate',
            `Communication/${err.existingId} was received from ${submission.notice.senderOds} under identifier ${system}|${value} ` +
              'with different content. A notice is not changed by sending it again: send a correction as a new notice with an ' +
              'identifier of its own (withdrawing the first if it no longer stands).',
            'error',
            ['Communication.identifier'],
          ),
        );
      }
      throw err;
    }
  },
  check(body) {
    try {
      parseNotice(body);
      return [];
    } catch (err) {
      if (err instanceof InvalidNotice) return err.issues;
      throw err;
    }
  },
};

export const contactWrites: WriteHandlers = {
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

async function answer(ctx: WriteContext, id: string, changes: ReturnType<typeof contactChangesFrom>, expectedVersion?: number): Promise<WriteResult> {
  try {
    const stored = await updateContact(ctx.store, id, changes, expectedVersion);
    if (!stored) throw notFound(`Task/${id} does not exist`);
    const [task] = await materialise(taskDefinition, [stored], ctx.store, ctx.view);
    return written(200, task);
  } catch (err) {
    if (err instanceof StaleVersion) throw new FhirError(412, outcome('conflict', `If-Match failed: ${err.message}; read the Task again and retry`));
    if (err instanceof BadTransition) throw new FhirError(422, outcome('business-rule', err.message, 'error', ['Task.status']));
    if (err instanceof UnknownTeam) throw new FhirError(422, outcome('business-rule', err.message, 'error', ['Task.owner']));
    throw err;
  }
}

/** Only the council's own clients answer contacts; a hospital may follow them but not change them. */
async function requireCouncil(ctx: WriteContext, id: string): Promise<Task> {
  requireWrite(ctx, 'Task', 'update');
  const org = ctx.caller?.organization;
  if (ctx.caller && org !== ctx.council.odsCode) {
    throw forbidden(`Only the council (${ctx.council.odsCode}) may change a contact; this client belongs to ${org ?? 'no organisation'}`);
  }
  const restriction = searchRestriction(taskDefinition, ctx, 'read');
  const found = await ctx.store.search('contact', [{ field: 'id', match: 'any-of', values: [id] }, ...restriction], { limit: 1, offset: 0 });
  if (!found.records.length) throw notFound(`Task/${id} does not exist`);
  const [task] = await materialise(taskDefinition, found.records, ctx.store, ctx.view);
  return task as Task;
}

function requireWrite(ctx: WriteContext, type: string, interaction: 'create' | 'update') {
  const allowed = ctx.access.write ? ctx.access.write(type, interaction) : ctx.access.read(type) === 'all';
  if (!allowed) throw forbidden(`This client may not ${interaction} ${type} resources`);
}

function parseOrThrow(body: unknown) {
  try {
    return parseNotice(body);
  } catch (err) {
    if (err instanceof InvalidNotice) {
      throw new FhirError(400, {
        resourceType: 'OperationOutcome',
        issue: err.issues.map((i) => ({ severity: 'error', code: 'invalid', diagnostics: i.message, expression: [i.expression] })),
      });
    }
    // An element of the wrong JSON shape (a string where an array belongs, ...) is the sender's error.
    if (err instanceof TypeError) throw badRequest(`The notice is not a well-formed FHIR Communication: ${err.message}`, ['Communication']);
    throw err;
  }
}

function changesOrThrow(body: unknown, id: string, current: Task) {
  try {
    return contactChangesFrom(body, id, current);
  } catch (err) {
    if (err instanceof TypeError) throw badRequest(`The body is not a well-formed FHIR Task: ${err.message}`, ['Task']);
    throw err;
  }
}

/** The notice profile too: what the domain checks do not cover (data types, cardinalities, bindings). */
function checkAgainstProfile(resource: Resource) {
  const errors = profileValidator()
    .validate(resource, PROFILES.Communication)
    .filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (errors.length) throw new FhirError(400, { resourceType: 'OperationOutcome', issue: errors });
}

/** If-None-Exist for notices: the only search that identifies one is its identifier. */
function checkIfNoneExist(query: string, identifier: { system: string; value: string }) {
  const params = new URLSearchParams(query.replace(/^.*\?/, ''));
  const wanted = params.get('identifier');
  if (!wanted || [...params.keys()].some((k) => k !== 'identifier')) {
    throw badRequest('If-None-Exist supports identifier=system|value for notices', ['If-None-Exist']);
  }
  if (wanted !== `${identifier.system}|${identifier.value}`) {
    throw new FhirError(412, outcome('conflict', 'If-None-Exist names a different identifier from the notice being sent'));
  }
}

function versionOf(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) throw badRequest(`If-Match must be a version ETag such as W/"3", not ${ifMatch}`, ['If-Match']);
  return Number(m[1]);
}

function written(status: number, resource: { id?: string; meta?: { versionId?: string; lastUpdated?: string } }, createdId?: string): WriteResult {
  return {
    status,
    resource: resource as WriteResult['resource'],
    version: { versionId: resource.meta!.versionId!, lastUpdated: resource.meta!.lastUpdated! },
    createdId,
  };
}
