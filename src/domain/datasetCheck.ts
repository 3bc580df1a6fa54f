import { CONCERN_TYPES } from './safeguarding';
import { isCalendarDate } from './dates';
import { FUNDING_TYPES, PACKAGE_STATUSES, SERVICE_TYPES } from './carePackage';
import { Dataset, DATASET_PARTS } from './dataset';
import { describeNhsNumberProblem, nhsNumberProblem } from './nhsNumber';
import { ID } from './ids';


/**
 * Checks a dataset before it is loaded, so a developer's own fixture file fails with a list of
 * what is wrong and where, rather than half-loading or failing on a database constraint.
 */
export function datasetProblems(d: Partial<Dataset>): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, msg: string) => {
    if (!ok) problems.push(msg);
  };
  for (const key of DATASET_PARTS) {
    // Parts added since the first datasets were written may be left out of a file: none of them.
    if (d[key] === undefined && OPTIONAL_PARTS.has(key)) continue;
    if (!Array.isArray(d[key])) problems.push(`${key} must be an array`);
  }
  if (problems.length) return problems;
  const data = { ...d, assessments: d.assessments ?? [], careRelationships: d.careRelationships ?? [] } as Dataset;

  const orgs = new Map(data.organisations.map((o) => [o.id, o]));
  const workers = new Set(data.workers.map((w) => w.id));
  const people = new Set(data.people.map((p) => p.id));
  const isTeam = (id?: string) => id !== undefined && ['team', 'council'].includes(orgs.get(id)?.kind ?? '');
  const unique = (name: string, ids: string[]) => {
    const seen = new Set<string>();
    for (const id of ids) {
      need(ID.test(id ?? ''), `${name} id "${id}" must be 1-64 letters, digits, '-' or '.'`);
      need(!seen.has(id), `${name} id "${id}" is used twice`);
      seen.add(id);
    }
  };
  unique('organisation', data.organisations.map((o) => o.id));
  unique('worker', data.workers.map((w) => w.id));
  unique('person', data.people.map((p) => p.id));
  unique('care package', data.carePackages.map((p) => p.id));
  unique('safeguarding concern', data.safeguardingConcerns.map((c) => c.id));
  unique('assessment', data.assessments.map((a) => a.id));
  unique('care relationship', data.careRelationships.map((r) => r.id));

  for (const o of data.organisations) {
    need(['provider', 'council', 'team'].includes(o.kind), `organisation ${o.id}: kind must be provider, council or team`);
    need(typeof o.name === 'string' && o.name, `organisation ${o.id}: name is required`);
    need(!o.partOfId || orgs.has(o.partOfId), `organisation ${o.id}: partOfId ${o.partOfId} does not exist`);
  }
  for (const w of data.workers) {
    need(isTeam(w.teamId), `worker ${w.id}: teamId ${w.teamId} is not a council team`);
  }
  const nhsNumbers = new Set<string>();
  for (const p of data.people) {
    need(isCalendarDate(p.birthDate ?? ''), `person ${p.id}: birthDate must be YYYY-MM-DD`);
    need(Array.isArray(p.givenNames) && p.familyName, `person ${p.id}: givenNames and familyName are required`);
    need(['male', 'female', 'other', 'unknown'].includes(p.gender), `person ${p.id}: gender must be male, female, other or unknown`);
    if (p.nhsNumber !== undefined) {
      const problem = nhsNumberProblem(p.nhsNumber);
      need(!problem, `person ${p.id}: NHS number ${p.nhsNumber}: ${problem && describeNhsNumberProblem(problem)}`);
      need(!nhsNumbers.has(p.nhsNumber), `person ${p.id}: NHS number ${p.nhsNumber} is used twice`);
      nhsNumbers.add(p.nhsNumber);
    }
    need(!p.allocatedWorkerId || workers.has(p.allocatedWorkerId), `person ${p.id}: allocatedWorkerId ${p.allocatedWorkerId} does not exist`);
    need(!p.responsibleTeamId || isTeam(p.responsibleTeamId), `person ${p.id}: responsibleTeamId ${p.responsibleTeamId} is not a council team`);
  }
  for (const k of data.carePackages) {
    need(people.has(k.personId), `care package ${k.id}: personId ${k.personId} does not exist`);
    need(k.serviceType in SERVICE_TYPES, `care package ${k.id}: serviceType must be one of ${Object.keys(SERVICE_TYPES).join(', ')}`);
    need(PACKAGE_STATUSES.includes(k.status), `care package ${k.id}: status must be one of ${PACKAGE_STATUSES.join(', ')}`);
    need(k.funding in FUNDING_TYPES, `care package ${k.id}: funding must be one of ${Object.keys(FUNDING_TYPES).join(', ')}`);
    need(!k.providerId || orgs.get(k.providerId)?.kind === 'provider', `care package ${k.id}: providerId ${k.providerId} is not a provider`);
    need(!k.startDate || isCalendarDate(k.startDate), `care package ${k.id}: startDate must be YYYY-MM-DD`);
    need(!k.endDate || isCalendarDate(k.endDate), `care package ${k.id}: endDate must be YYYY-MM-DD`);
  }
  for (const c of data.safeguardingConcerns) {
    need(people.has(c.personId), `safeguarding concern ${c.id}: personId ${c.personId} does not exist`);
    need(c.concernType in CONCERN_TYPES, `safeguarding concern ${c.id}: concernType must be one of ${Object.keys(CONCERN_TYPES).join(', ')}`);
    need(['open', 'closed'].includes(c.status), `safeguarding concern ${c.id}: status must be open or closed`);
    need(isCalendarDate(c.raisedDate ?? ''), `safeguarding concern ${c.id}: raisedDate must be YYYY-MM-DD`);
    need(isTeam(c.contactTeamId), `safeguarding concern ${c.id}: contactTeamId ${c.contactTeamId} is not a council team`);
  }
  for (const a of data.assessments) {
    need(people.has(a.personId), `assessment ${a.id}: personId ${a.personId} does not exist`);
    need(['assessment', 'review'].includes(a.kind), `assessment ${a.id}: kind must be assessment or review`);
    need(['in-progress', 'completed'].includes(a.status), `assessment ${a.id}: status must be in-progress or completed`);
    need(isCalendarDate(a.startDate ?? ''), `assessment ${a.id}: startDate must be YYYY-MM-DD`);
    need(!a.endDate || isCalendarDate(a.endDate), `assessment ${a.id}: endDate must be YYYY-MM-DD`);
  }
  for (const r of data.careRelationships) {
    need(people.has(r.carerId), `care relationship ${r.id}: carerId ${r.carerId} does not exist`);
    need(people.has(r.caredForId), `care relationship ${r.id}: caredForId ${r.caredForId} does not exist`);
    need(r.carerId !== r.caredForId, `care relationship ${r.id}: a person cannot be their own carer`);
    need(['active', 'ended'].includes(r.status), `care relationship ${r.id}: status must be active or ended`);
  }
  return problems;
}

/** Parts a dataset file may leave out (they came after the first datasets were written). */
const OPTIONAL_PARTS: ReadonlySet<string> = new Set(['assessments', 'careRelationships']);
