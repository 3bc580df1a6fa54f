import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import { Communication, Encounter, Patient, Reference } from '@medplum/fhirtypes';
import { isCalendarDate } from '../../domain/dates';
import { ID_CHARS } from '../../domain/ids';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import {
  HospitalNotice,
  isWithdrawal,
  NOTICE_KINDS,
  noticeKindOfCode,
  NoticeKind,
  NoticePersonDetails,
  NoticeReference,
  NoticeSubmission,
  withdrawalReasonText,
} from '../../domain/notice';
import { NHS_NUMBER_SYSTEM, ODS_ORGANIZATION_SYSTEM, SNOMED_SYSTEM, WITHDRAWAL_REASON_SYSTEM } from '../systems';

const COMMUNICATION_REFERENCE = new RegExp(`(?:^|/)Communication/(${ID_CHARS})$`);

/**
 * A hospital notice, as an R4 Communication (profile SocialCare-HospitalNotice):
 * - identifier: the hospital's own id for the notice (required; the same notice resent under it is a
 *   no-op, one with other content is refused);
 * - category: the national SNOMED CT event code of the notice kind;
 * - subject: the patient by NHS number, `{"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", ...}}`;
 * - sender: the hospital by ODS code; sent: when;
 * - inResponseTo: for discharge notices and withdrawals, the notice they follow (our id or its identifier);
 * - reasonCode: for withdrawals, the ADW withdrawal reason (13 "Other" with text);
 * - contained Patient (demographics and carer), Encounter (admission date, expected discharge date in
 *   period.end, ward), and whatever else the hospital sends (liaison Practitioner, answers), referenced
 *   from payload.
 * Parsed here into a notice submission; what intake does with it is the intake service's.
 */

/** One thing wrong with a notice, and the element it is in. */
export interface NoticeIssue {
  expression: string;
  message: string;
}

/** A notice that is not well formed (400), with every issue found. */
export class InvalidNotice extends Error {
  constructor(readonly issues: NoticeIssue[]) {
    super(issues.map((i) => `${i.expression}: ${i.message}`).join('; '));
  }
}


/** A hospital's Communication as a notice submission for intake, or InvalidNotice naming each element at fault. */
export function parseNotice(body: unknown): NoticeSubmission {
  const issues: NoticeIssue[] = [];
  const problem = (expression: string, message: string) => issues.push({ expression, message });
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidNotice([{ expression: 'Communication', message: 'the body must be a JSON object: a FHIR Communication' }]);
  }
  const c = body as Communication & Record<string, unknown>;
  if (c.resourceType !== 'Communication') {
    throw new InvalidNotice([{ expression: 'Communication.resourceType', message: `expected a Communication, got ${JSON.stringify(c.resourceType ?? null)}` }]);
  }

  const identifier = Array.isArray(c.identifier) ? c.identifier.find((i) => i?.system && i?.value) : undefined;
  if (!identifier) problem('Communication.identifier', "required: the hospital's own id for the notice, with system and value");
  else if (!isBoundedText(identifier.system, MAX_IDENTIFIER_BYTES) || !isBoundedText(identifier.value, MAX_IDENTIFIER_BYTES)) {
    problem('Communication.identifier', `the identifier's system and value must be strings of at most ${MAX_IDENTIFIER_BYTES} bytes each`);
  }

  if (!c.status) problem('Communication.status', 'required (completed, once the notice has been sent)');

  const codes = (Array.isArray(c.category) ? c.category : []).flatMap((cat) => cat?.coding ?? []).filter((cd) => cd?.system === SNOMED_SYSTEM);
  const kinds = codes.map((cd) => noticeKindOfCode(String(cd.code))).filter((k): k is NoticeKind => !!k);
  if (kinds.length !== 1) {
    problem(
      'Communication.category',
      kinds.length === 0
        ? `required: one SNOMED CT notice-kind code (${Object.values(NOTICE_KINDS).map((k) => `${k.code} ${k.display}`).join(', ')})`
        : 'more than one notice kind: send one notice per Communication',
    );
  }
  const kind = kinds[0];

  const nhsIdentifier = subjectNhsNumber(c.subject);
  let nhsNumber = '';
  if (!nhsIdentifier) {
    problem('Communication.subject', `required: the patient by NHS number, {"identifier": {"system": "${NHS_NUMBER_SYSTEM}", "value": "..."}}`);
  } else {
    const p = nhsNumberProblem(nhsIdentifier);
    if (p) problem('Communication.subject.identifier.value', `${nhsIdentifier} is not a valid NHS number: ${describeNhsNumberProblem(p)}`);
    else nhsNumber = normaliseNhsNumber(nhsIdentifier);
  }

  const senderOds = c.sender?.identifier?.system === ODS_ORGANIZATION_SYSTEM ? c.sender.identifier.value : undefined;
  if (!senderOds) problem('Communication.sender', `required: the hospital by ODS code, {"identifier": {"system": "${ODS_ORGANIZATION_SYSTEM}", "value": "..."}}`);
  else if (typeof senderOds !== 'string' || !ODS_CODE.test(senderOds)) problem('Communication.sender.identifier.value', 'must be an ODS code (letters and digits)');

  if (!c.sent || Number.isNaN(Date.parse(c.sent)) || !/^\d{4}-\d{2}-\d{2}T/.test(c.sent) || !isCalendarDate(c.sent.slice(0, 10))) {
    problem('Communication.sent', 'required: when the notice was sent, as a FHIR dateTime with a time and time zone');
  }

  const responses = Array.isArray(c.inResponseTo) ? c.inResponseTo : [];
  const inResponseTo = responses.length ? earlierNotice(responses[0]) : undefined;
  if (responses.length && !inResponseTo) {
    problem('Communication.inResponseTo', 'must name the earlier notice: {"reference": "Communication/<id>"} or its identifier');
  }
  if (kind && isWithdrawal(kind) && !inResponseTo) {
    problem('Communication.inResponseTo', 'a withdrawal must name the notice it withdraws');
  }

  let withdrawalReason: HospitalNotice['withdrawalReason'];
  if (kind && isWithdrawal(kind)) {
    const reason = (c.reasonCode ?? []).find((r) => r.coding?.some((cd) => cd.system === WITHDRAWAL_REASON_SYSTEM));
    const code = reason?.coding?.find((cd) => cd.system === WITHDRAWAL_REASON_SYSTEM)?.code;
    if (reason?.text !== undefined && typeof reason.text !== 'string') {
      problem('Communication.reasonCode.text', 'must be a string');
    } else if (typeof code !== 'string' || !withdrawalReasonText(code)) {
      problem('Communication.reasonCode', `a withdrawal needs its reason, coded from ${WITHDRAWAL_REASON_SYSTEM} (01-13)`);
    } else if (code === '13' && !reason?.text) {
      problem('Communication.reasonCode.text', 'reason 13 (Other) needs the reason in words');
    } else {
      withdrawalReason = { code, text: reason?.text ?? withdrawalReasonText(code) };
    }
  }

  const contained = Array.isArray(c.contained) ? c.contained : [];
  const encounter = contained.find((r) => r?.resourceType === 'Encounter') as Encounter | undefined;
  const dischargeDate = encounter?.period?.end?.slice(0, 10);
  if (dischargeDate && !isCalendarDate(dischargeDate)) problem('Communication.contained.Encounter.period.end', 'must be a date');
  const containedPatient = contained.find((r) => r?.resourceType === 'Patient') as Patient | undefined;
  const person = personDetails(containedPatient, problem);
  // A contained Patient that names another NHS number than the subject is about someone else, or a
  // mistake in one of the two: either way the council cannot tell whom the notice is about.
  const containedNhs = (Array.isArray(containedPatient?.identifier) ? containedPatient.identifier : []).find((i) => i?.system === NHS_NUMBER_SYSTEM)?.value;
  if (nhsNumber && typeof containedNhs === 'string' && normaliseNhsNumber(containedNhs) !== nhsNumber) {
    problem(
      'Communication.contained.Patient.identifier',
      `the contained Patient's NHS number (${containedNhs}) is not the subject's (${nhsIdentifier}): send the notice about one person`,
    );
  }

  if (issues.length) throw new InvalidNotice(issues);
  return {
    notice: {
      senderIdentifier: { system: identifier!.system!, value: identifier!.value! },
      kind: kind!,
      nhsNumber,
      senderOds: senderOds!,
      sent: new Date(c.sent!).toISOString(),
      withdrawalReason,
      dischargeDate,
      receivedDigest: receivedDigest(c),
    },
    document: c as Record<string, unknown>,
    inResponseTo,
    person,
  };
}

/**
 * SHA-256 of the notice as received, in canonical JSON (keys sorted), leaving out the id and meta a
 * server assigns: the same notice resent by an integration engine has the same digest, whatever
 * order it writes the keys in; a changed notice under the same identifier does not.
 */
function receivedDigest(c: Record<string, unknown>): string {
  const { id: _id, meta: _meta, ...content } = c;
  return createHash('sha256').update(stringify(content)).digest('hex');
}

function subjectNhsNumber(subject: Reference | undefined): string | undefined {
  const id = subject?.identifier;
  return id?.system === NHS_NUMBER_SYSTEM && typeof id.value === 'string' ? id.value : undefined;
}

function earlierNotice(ref: Reference): NoticeReference | undefined {
  const m = COMMUNICATION_REFERENCE.exec(ref.reference ?? '');
  if (m) return { id: m[1] };
  if (ref.identifier?.system && ref.identifier.value) return { identifier: { system: ref.identifier.system, value: ref.identifier.value } };
  return undefined;
}

/**
 * Limits on what the store indexes: an identifier or a name past them is nobody's real one, and
 * PostgreSQL cannot index a row of more than about 2.7 kB.
 */
const MAX_IDENTIFIER_BYTES = 1024;
const MAX_NAME_BYTES = 200;
const MAX_ADDRESS_BYTES = 500;
const ODS_CODE = /^[A-Za-z0-9]{1,12}$/;

function isBoundedText(value: unknown, maxBytes: number): value is string {
  return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= maxBytes;
}

/** Demographics from the contained Patient, for a person the council does not know yet. */
function personDetails(p: Patient | undefined, problem: (e: string, m: string) => void): NoticePersonDetails | undefined {
  if (!p) return undefined;
  const name = Array.isArray(p.name) ? p.name[0] : undefined;
  const where = 'Communication.contained.Patient';
  if (!name?.family || !Array.isArray(name.given) || !name.given.length) problem(`${where}.name`, 'the patient needs a family and a given name');
  else if (!isBoundedText(name.family, MAX_NAME_BYTES) || name.given.length > 10 || !name.given.every((g) => isBoundedText(g, MAX_NAME_BYTES))) {
    problem(`${where}.name`, `the family name and each given name (at most 10) must be strings of at most ${MAX_NAME_BYTES} bytes`);
  }
  if (!p.birthDate || !isCalendarDate(p.birthDate)) problem(`${where}.birthDate`, 'the patient needs a full birth date (YYYY-MM-DD)');
  const gender = p.gender ?? 'unknown';
  if (!['male', 'female', 'other', 'unknown'].includes(gender)) problem(`${where}.gender`, 'must be male, female, other or unknown');
  const a = Array.isArray(p.address) ? p.address[0] : undefined;
  const addressText = [...(Array.isArray(a?.line) ? a.line : a?.line === undefined ? [] : [a.line]), a?.city, a?.district, a?.postalCode];
  if (addressText.some((v) => v !== undefined && !isBoundedText(v, MAX_ADDRESS_BYTES))) {
    problem(`${where}.address`, `the address lines, city, district and postal code must be strings of at most ${MAX_ADDRESS_BYTES} bytes`);
  }
  return {
    givenNames: name?.given ?? [],
    familyName: name?.family ?? '',
    birthDate: p.birthDate ?? '',
    gender: gender as NoticePersonDetails['gender'],
    address: a ? { lines: a.line ?? [], city: a.city, district: a.district, postcode: a.postalCode } : undefined,
    telecom: (p.telecom ?? [])
      .filter((t) => (t.system === 'phone' || t.system === 'email') && t.value)
      .map((t) => ({ system: t.system as 'phone' | 'email', value: t.value!, use: (['home', 'work', 'mobile'].includes(t.use ?? '') ? t.use : undefined) as 'home' | 'work' | 'mobile' | undefined })),
  };
}
