import { Communication, Resource } from '@medplum/fhirtypes';
import { profileValidator } from '../../conformance/validator';
import { ID_CHARS } from '../../domain/ids';
import { IntakeRefusal, IntakeRefused } from '../../domain/intake';
import { HospitalNotice, isHospitalNoticeKind, NOTICE_KINDS, NoticeSubmission } from '../../domain/notice';
import { receiveNotice } from '../../services/noticeIntake';
import { Criterion } from '../../store/criteria';
import { Stored } from '../../store/store';
import { ResourceDefinition, WriteHandlers } from '../definition';
import { badRequest, FhirError, forbidden, outcome } from '../outcome';
import { SpineCode } from '../spineCodes';
import { alternatives, parseToken } from '../searchValues';
import { COMMUNICATION_CATEGORY_SYSTEM, NHS_NUMBER_SYSTEM, PROFILES, SNOMED_SYSTEM } from '../systems';
import { byPatientParam, idParam, instantParam } from './common';
import { InvalidNotice, parseNotice } from './noticeParser';
import { personReferenceParam } from './personReference';
import { requireWrite, writeResult } from './writes';

const RECIPIENT_REFERENCE = new RegExp(`(?:^|/)((?:PractitionerRole|Organization)/${ID_CHARS})$`);

/**
 * The hospital's document, completed as served: our id, our profile, and literal references to the
 * person and to the notice it answers. Documents are kept as the hospital sent them; ones kept
 * before were completed when received, and completing them again changes nothing.
 */
export function completeNoticeDocument(notice: HospitalNotice): Record<string, unknown> {
  // Type, id and meta lead, as in every resource the facade serves; the hospital's elements follow
  // in the order the store keeps them.
  const { resourceType: _type, id: _sentId, meta: sentMeta, ...elements } = notice.document as Communication & Record<string, unknown>;
  const { versionId: _version, lastUpdated: _lastUpdated, ...meta } = sentMeta ?? {};
  const doc: Record<string, unknown> = {
    resourceType: 'Communication',
    id: notice.id,
    meta: { ...meta, profile: [PROFILES.Communication] },
    ...elements,
    subject: { reference: `Patient/${notice.personId}`, identifier: { system: NHS_NUMBER_SYSTEM, value: notice.nhsNumber } },
  };
  if (notice.inResponseToId) doc.inResponseTo = [{ reference: `Communication/${notice.inResponseToId}` }];
  return doc;
}

/** A stored notice as a Communication: a hospital notice completed, an access notification as written. */
export function toCommunication(stored: Stored<HospitalNotice>): Communication {
  const notice = stored.record;
  const doc = (isHospitalNoticeKind(notice.kind) ? completeNoticeDocument(notice) : notice.document) as unknown as Communication;
  return { ...doc, meta: { ...doc.meta, versionId: String(stored.version), lastUpdated: stored.lastUpdated } };
}

/**
 * Hospital notices in: who may send one, what makes it unacceptable, and each intake refusal as
 * the sender sees it.
 */
const noticeWrites: WriteHandlers = {
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
      const result = await receiveNotice(ctx.store, submission, { intakeTeamId: ctx.council.intakeTeamId });
      const resource = toCommunication(result.notice);
      return writeResult(result.created ? 201 : 200, resource, result.created ? resource.id : undefined);
    } catch (err) {
      if (err instanceof IntakeRefused) throw intakeRefusalOutcome(err.refusal, submission);
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

/** Each reason intake refuses a notice, as the HTTP status, issue and element the sender sees. */
function intakeRefusalOutcome(r: IntakeRefusal, submission: NoticeSubmission): FhirError {
  const refused = (element: string, diagnostics: string) => new FhirError(422, outcome('business-rule', diagnostics, 'error', [element]));
  switch (r.code) {
    case 'unknown-person':
      return refused(
        'Communication.contained',
        `NHS number ${r.nhsNumber} is not known to the council: include the patient's details (a contained Patient with name, birth date and gender) so a record can be opened`,
      );
    case 'birth-date-mismatch':
      return refused(
        'Communication.contained.Patient.birthDate',
        `the contained Patient's birth date does not match the council's record for NHS number ${r.nhsNumber}: check the NHS number and the patient's details`,
      );
    case 'unknown-referral': {
      const what = r.answers.id ? `Communication/${r.answers.id}` : `${r.answers.identifier!.system}|${r.answers.identifier!.value}`;
      return refused('Communication.inResponseTo', `the notice it answers (${what}) has not been received from ${r.senderOds}`);
    }
    case 'referral-of-another-person':
      return refused('Communication.inResponseTo', `the notice it answers (${r.earlierNoticeId}) is about a different person`);
    case 'changed-resend': {
      const { system, value } = submission.notice.senderIdentifier;
      return new FhirError(
        409,
        outcome(
          'duplicate',
          `Communication/${r.existingNoticeId} was received from ${submission.notice.senderOds} under identifier ${system}|${value} ` +
            'with different content. A notice is not changed by sending it again: send a correction as a new notice with an ' +
            'identifier of its own (withdrawing the first if it no longer stands).',
          'error',
          ['Communication.identifier'],
        ),
      );
    }
  }
}

/** A notice's subject that is not an NHS number is an invalid resource id, as the Spine codes have it. */
function noticeProblemCode(problem: { expression: string; message: string }): SpineCode | undefined {
  if (problem.expression === 'Communication.subject.identifier.value') return 'INVALID_RESOURCE_ID';
  return problem.message.startsWith('required') ? 'MISSING_VALUE' : undefined;
}

function parseOrThrow(body: unknown): NoticeSubmission {
  try {
    return parseNotice(body);
  } catch (err) {
    if (err instanceof InvalidNotice) {
      throw new FhirError(400, {
        resourceType: 'OperationOutcome',
        issue: err.issues.map((i) => outcome('invalid', i.message, 'error', [i.expression], noticeProblemCode(i)).issue[0]),
      });
    }
    // An element of the wrong JSON shape (a string where an array belongs, ...) is the sender's error.
    if (err instanceof TypeError) throw badRequest(`The notice is not a well-formed FHIR Communication: ${err.message}`, ['Communication']);
    throw err;
  }
}

/** The notice profile too: what the notice's own checks do not cover (data types, cardinalities, bindings). */
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

const KIND_CODES = new Map<string, string[]>(Object.entries(NOTICE_KINDS).map(([k, v]) => [v.code, [k]]));

export const communicationDefinition: ResourceDefinition<'notice'> = {
  type: 'Communication',
  profile: PROFILES.Communication,
  documentation:
    'A hospital notice (assessment, discharge, admission, or a withdrawal), sent by the hospital with POST. ' +
    'Each creates or changes a contact (Task) the council acts on. Also the access notifications the facade writes for ' +
    "council staff when someone outside the council looks at a person they are responsible for (category access-notification).",
  entity: 'notice',
  searchParams: {
    _id: idParam(),
    identifier: {
      type: 'token',
      documentation: "The hospital's own id for the notice (system|value).",
      expression: 'Communication.identifier',
      definition: 'http://hl7.org/fhir/SearchParameter/Communication-identifier',
      toCriterion: (use) => ({
        match: 'any',
        groups: alternatives(use.value).map((alt) => {
          const t = parseToken(alt);
          const bySystem: Criterion<'notice'>[] = t.system !== undefined ? [{ field: 'identifierSystem', match: 'any-of', values: [t.system] }] : [];
          return [...bySystem, { field: 'identifierValue', match: 'any-of', values: [t.code] }];
        }),
      }),
    },
    patient: personReferenceParam(
      'personId',
      'The person the notice is about: Patient/id, :identifier with an NHS number, or chained.',
      'Communication.subject.where(resolve() is Patient)',
      'http://hl7.org/fhir/SearchParameter/Communication-patient',
    ),
    subject: personReferenceParam('personId', 'Same as patient.', 'Communication.subject', 'http://hl7.org/fhir/SearchParameter/Communication-subject'),
    category: {
      type: 'token',
      documentation: `The notice kind, a SNOMED CT code (${SNOMED_SYSTEM}|975701000000106 for assessment notices).`,
      expression: 'Communication.category',
      definition: 'http://hl7.org/fhir/SearchParameter/Communication-category',
      toCriterion: (use) => {
        const kinds = alternatives(use.value).flatMap((alt) => {
          const t = parseToken(alt);
          if (t.system === COMMUNICATION_CATEGORY_SYSTEM || (t.system === undefined && t.code === 'access-notification')) {
            return t.code === 'access-notification' ? ['access-notification'] : [];
          }
          return t.system === undefined || t.system === SNOMED_SYSTEM ? (KIND_CODES.get(t.code) ?? []) : [];
        });
        return kinds.length ? { field: 'kind', match: 'any-of', values: kinds } : { match: 'nothing' };
      },
    },
    recipient: {
      type: 'reference',
      documentation: 'Who an access notification is for: the allocated worker (PractitionerRole/id) or a team (Organization/id).',
      targets: ['PractitionerRole', 'Organization'],
      expression: 'Communication.recipient',
      definition: 'http://hl7.org/fhir/SearchParameter/Communication-recipient',
      toCriterion: (use) => {
        // Stored as "Type/id": accept that, or an absolute URL ending in it.
        const values = alternatives(use.value)
          .map((v) => RECIPIENT_REFERENCE.exec(v)?.[1])
          .filter((v): v is string => !!v);
        return values.length ? { field: 'recipient', match: 'any-of', values } : { match: 'nothing' };
      },
    },
    sent: instantParam('sent', 'When the hospital sent the notice, with prefixes.', 'Communication.sent', 'http://hl7.org/fhir/SearchParameter/Communication-sent'),
  },
  includes: {
    patient: { targets: ['Patient'], references: (r) => [(r as Communication).subject!.reference!] },
    subject: { targets: ['Patient'], references: (r) => [(r as Communication).subject!.reference!] },
  },
  related: () => ({}),
  toFhir: (stored) => toCommunication(stored),
  // Notices belong to the sending hospital and the council; access notifications (written by the
  // facade for council staff) are Communications too, with a profile of their own.
  ownerOdsField: 'senderOds',
  patientCompartment: byPatientParam,
  otherProfiles: [PROFILES.AccessNotification],
  writes: noticeWrites,
};
