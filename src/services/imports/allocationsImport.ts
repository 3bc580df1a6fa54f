import { CarePackage, PackageDetails } from '../../domain/carePackage';
import { Organisation } from '../../domain/organisation';
import { ContactPoint, Person, PostalAddress } from '../../domain/person';
import { SafeguardingConcern } from '../../domain/safeguarding';
import { withoutUndefined } from '../../domain/objects';
import { AllocationsFacts, AllocationsPerson, SourceLine } from '../../import/importTypes';
import { currentRecords, writeRecords } from '../../store/changePath';
import { ImportContext } from './importContext';
import { providersByLocation } from './cqcImport';

/**
 * Applies the council's allocations extract: its own numbers, its teams and workers, providers'
 * out-of-hours numbers, who is allocated to whom (and whose record is restricted), and safeguarding
 * concerns; and what the council's system holds of people and packages beyond the CLD return (a
 * person's title, phones, address lines and NHS number verification; a package's visits, tasks and
 * notes). Each row updates what it names, and a blank cell of a person or package row clears what
 * it names for that record; nothing is removed because a row is missing (an allocation ends when
 * the extract names the person with no worker; a concern closes when the extract says it is
 * closed), so a short extract can never hide a concern or open a restricted record.
 */
export async function applyAllocations(ctx: ImportContext, facts: AllocationsFacts): Promise<void> {
  const councilId = await applyCouncil(ctx, facts);
  await applyTeams(ctx, facts, councilId);
  await applyWorkers(ctx, facts);
  await applyProviderNumbers(ctx, facts);
  const people = await resolvePeople(ctx, [...facts.allocations, ...facts.people, ...facts.safeguardingConcerns]);
  await applyPeople(ctx, facts, people);
  await applyConcerns(ctx, facts, people);
  await applyPackageDetails(ctx, facts);
}

/** The council's own organisation (by its ODS code): its name and numbers. Returns its id. */
async function applyCouncil(ctx: ImportContext, facts: AllocationsFacts): Promise<string> {
  const rows = await ctx.tx.query<{ id: string }>("SELECT id FROM organisations WHERE kind = 'council' AND ods_code = $1 ORDER BY id LIMIT 1", [
    ctx.councilOdsCode,
  ]);
  const id = rows[0]?.id ?? `ORG-${ctx.councilOdsCode}`;
  const given = facts.council.at(-1);
  if (!given) {
    if (rows.length === 0 && facts.teams.length > 0) {
      // Teams must be part of the council: a first extract without a council row still needs one.
      ctx.count('council', await writeRecords(ctx.tx, 'organisation', [{ id, kind: 'council', name: `Council ${ctx.councilOdsCode}`, odsCode: ctx.councilOdsCode, telecom: [] }], { changedBy: ctx.importId }));
    }
    return id;
  }
  const current = await currentRecords(ctx.tx, 'organisation', [id]);
  const council = withoutUndefined<Organisation>({
    ...current.get(id)?.record,
    id,
    kind: 'council',
    name: given.record.name,
    odsCode: ctx.councilOdsCode,
    telecom: given.record.telecom,
    address: given.record.address ?? current.get(id)?.record.address,
  });
  ctx.count('council', await writeRecords(ctx.tx, 'organisation', [council], { changedBy: ctx.importId, current }));
  return id;
}

async function applyTeams(ctx: ImportContext, facts: AllocationsFacts, councilId: string): Promise<void> {
  const current = await currentRecords(ctx.tx, 'organisation', facts.teams.map((t) => t.record.id));
  const teams = new Map<string, Organisation>();
  for (const { at, record } of facts.teams) {
    const before = current.get(record.id)?.record;
    if (before && before.kind !== 'team') {
      ctx.refuse({ ...at, column: 'Team ID', value: record.id, reason: `the id is held by an organisation that is not a team (a ${before.kind})` });
      continue;
    }
    teams.set(record.id, withoutUndefined<Organisation>({ ...before, ...record, kind: 'team', partOfId: councilId }));
  }
  ctx.count('teams', await writeRecords(ctx.tx, 'organisation', [...teams.values()], { changedBy: ctx.importId, current }));
}

async function applyWorkers(ctx: ImportContext, facts: AllocationsFacts): Promise<void> {
  const workers = new Map(facts.workers.map(({ record }) => [record.id, record]));
  ctx.count('workers', await writeRecords(ctx.tx, 'worker', [...workers.values()], { changedBy: ctx.importId }));
}

/** Providers' out-of-hours numbers, by CQC location id: the provider must be known already. */
async function applyProviderNumbers(ctx: ImportContext, facts: AllocationsFacts): Promise<void> {
  if (facts.providerNumbers.length === 0) return;
  const byLocation = await providersByLocation(ctx, facts.providerNumbers.map((p) => p.record.cqcLocationId));
  const current = await currentRecords(ctx.tx, 'organisation', [...byLocation.values()]);
  const updated = new Map<string, Organisation>();
  for (const { at, record } of facts.providerNumbers) {
    const id = byLocation.get(record.cqcLocationId);
    const before = id ? (updated.get(id) ?? current.get(id)?.record) : undefined;
    if (!id || !before) {
      ctx.refuse({
        ...at,
        column: 'CQC Location ID',
        value: record.cqcLocationId,
        reason: 'no provider has this CQC location id: import CQC\'s directory (or a CLD return naming the provider) first',
      });
      continue;
    }
    updated.set(id, { ...before, ...(record.odsCode ? { odsCode: record.odsCode } : {}), telecom: withProviderNumbers(before.telecom, record.telecom) });
  }
  ctx.count('providers', await writeRecords(ctx.tx, 'organisation', [...updated.values()], { changedBy: ctx.importId, current }));
}

/**
 * The row's out-of-hours number and e-mail address, each when it gives one, replace those held
 * (a provider row says what it knows; a blank keeps what is held). CQC's office number is kept.
 */
function withProviderNumbers(current: ContactPoint[], given: ContactPoint[]): ContactPoint[] {
  const outOfHours = given.filter((t) => t.system === 'phone').map((t) => ({ ...t, use: 'out-of-hours' as const }));
  const email = given.filter((t) => t.system === 'email');
  const kept = current.filter((t) => !(outOfHours.length > 0 && t.use === 'out-of-hours') && !(email.length > 0 && t.system === 'email'));
  return [...kept.filter((t) => t.system === 'phone'), ...outOfHours, ...kept.filter((t) => t.system !== 'phone'), ...email];
}

/** A person as a row of the extract names them: by LA id, NHS number, or both. */
interface NamedPerson {
  at: SourceLine;
  record: { personId?: string; nhsNumber?: string };
}

/**
 * Finds the people rows name, by LA id or NHS number. Returns the id for each row that names a
 * known person consistently; refuses the others.
 */
async function resolvePeople(ctx: ImportContext, rows: NamedPerson[]): Promise<Map<NamedPerson, string>> {
  const ids = [...new Set(rows.map((r) => r.record.personId).filter((x): x is string => !!x))];
  const numbers = [...new Set(rows.map((r) => r.record.nhsNumber).filter((x): x is string => !!x))];
  const found = await ctx.tx.query<{ id: string; nhs_number: string | null }>('SELECT id, nhs_number FROM people WHERE id = ANY($1) OR nhs_number = ANY($2)', [
    ids,
    numbers,
  ]);
  const byId = new Map(found.map((p) => [p.id, p]));
  const byNumber = new Map(found.filter((p) => p.nhs_number).map((p) => [p.nhs_number!, p.id]));
  const resolved = new Map<NamedPerson, string>();
  for (const row of rows) {
    const { personId, nhsNumber } = row.record;
    const column = personId ? 'LA Person Unique Identifier' : 'NHS Number';
    const value = personId ?? nhsNumber;
    const id = personId ? byId.get(personId)?.id : byNumber.get(nhsNumber!);
    if (!id) {
      ctx.refuse({ ...row.at, column, value, reason: 'no person with this id or NHS number is held: import the CLD return first' });
      continue;
    }
    if (personId && nhsNumber && byId.get(personId)?.nhs_number !== nhsNumber) {
      ctx.refuse({ ...row.at, column: 'NHS Number', value: nhsNumber, reason: `the NHS number is not the one held for ${personId}` });
      continue;
    }
    resolved.set(row, id);
  }
  return resolved;
}

/** Allocations and person rows, written once per person. */
async function applyPeople(ctx: ImportContext, facts: AllocationsFacts, people: Map<NamedPerson, string>): Promise<void> {
  const rows = facts.allocations.filter((a) => people.has(a));
  const details = facts.people.filter((p) => people.has(p));
  const current = await currentRecords(ctx.tx, 'person', [...rows, ...details].map((a) => people.get(a)!));
  const workerTeams = new Map(facts.workers.map(({ record }) => [record.id, record.teamId]));
  const updated = new Map<string, Person>();
  for (const row of rows) {
    const id = people.get(row)!;
    const before = updated.get(id) ?? current.get(id)!.record;
    const { allocatedWorkerId, responsibleTeamId, restricted } = row.record;
    updated.set(
      id,
      withoutUndefined<Person>({
        ...before,
        allocatedWorkerId,
        // The worker's team is responsible unless the row names another.
        responsibleTeamId: responsibleTeamId ?? (allocatedWorkerId ? workerTeams.get(allocatedWorkerId) : undefined),
        restricted,
      }),
    );
  }
  for (const row of details) {
    const id = people.get(row)!;
    updated.set(id, withPersonDetails(updated.get(id) ?? current.get(id)!.record, row.record));
  }
  ctx.count('people', await writeRecords(ctx.tx, 'person', [...updated.values()], { changedBy: ctx.importId, current }));
}

async function applyConcerns(ctx: ImportContext, facts: AllocationsFacts, people: Map<NamedPerson, string>): Promise<void> {
  const rows = facts.safeguardingConcerns.filter((c) => people.has(c));
  const current = await currentRecords(ctx.tx, 'safeguardingConcern', rows.map((c) => c.record.id));
  const concerns = new Map<string, SafeguardingConcern>();
  for (const row of rows) {
    const personId = people.get(row)!;
    const before = current.get(row.record.id)?.record;
    if (before && before.personId !== personId) {
      ctx.refuse({ ...row.at, column: 'Concern Reference', value: row.record.id, reason: `the concern is about another person (${before.personId})` });
      continue;
    }
    const { nhsNumber: _named, ...concern } = row.record;
    concerns.set(row.record.id, withoutUndefined<SafeguardingConcern>({ ...concern, personId }));
  }
  ctx.count('safeguardingConcerns', await writeRecords(ctx.tx, 'safeguardingConcern', [...concerns.values()], { changedBy: ctx.importId, current }));
}

/** Whether a contact point is one a person row owns: home and mobile phones, home e-mail. */
function ownedByPersonRow(point: ContactPoint): boolean {
  return point.system === 'phone' ? point.use === 'home' || point.use === 'mobile' : point.use === 'home';
}

/**
 * A person as a person row says: its title, numbers, address lines and verification status replace
 * what was held (a blank clears); other numbers (from FHIR, say) and the CLD postcode are kept.
 */
function withPersonDetails(before: Person, row: AllocationsPerson): Person {
  const postcode = before.address?.postcode;
  const address: PostalAddress | undefined =
    row.addressLines.length > 0 || row.town || postcode
      ? withoutUndefined<PostalAddress>({ ...before.address, lines: row.addressLines, city: row.town, postcode })
      : undefined;
  return withoutUndefined<Person>({
    ...before,
    title: row.title,
    telecom: [...row.telecom, ...before.telecom.filter((t) => !ownedByPersonRow(t))],
    address,
    // A status is about the number held: none held, nothing to be sure of.
    nhsNumberVerification: before.nhsNumber ? row.nhsNumberVerification : undefined,
  });
}

/** Packages' visits per day, tasks and notes, by Event Reference: the package must be held already (from the CLD return). */
async function applyPackageDetails(ctx: ImportContext, facts: AllocationsFacts): Promise<void> {
  if (facts.packages.length === 0) return;
  const current = await currentRecords(ctx.tx, 'carePackage', facts.packages.map((p) => p.record.packageId));
  const updated = new Map<string, CarePackage>();
  for (const { at, record } of facts.packages) {
    const before = updated.get(record.packageId) ?? current.get(record.packageId)?.record;
    if (!before) {
      ctx.refuse({ ...at, column: 'Event Reference', value: record.eventReference, reason: 'no package has this Event Reference: import the CLD return that holds it first' });
      continue;
    }
    const details = withoutUndefined<PackageDetails>({
      ...before.details,
      visitsPerDay: record.visitsPerDay,
      tasks: record.tasks.length > 0 ? record.tasks : undefined,
      notes: record.notes,
    });
    updated.set(record.packageId, withoutUndefined<CarePackage>({ ...before, details: Object.keys(details).length > 0 ? details : undefined }));
  }
  ctx.count('carePackages', await writeRecords(ctx.tx, 'carePackage', [...updated.values()], { changedBy: ctx.importId, current }));
}
