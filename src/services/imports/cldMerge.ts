import { Assessment } from '../../domain/assessment';
import { CarePackage } from '../../domain/carePackage';
import { withoutUndefined } from '../../domain/objects';
import { Person, PostalAddress } from '../../domain/person';
import { CLD_PERSON_FIELDS, CldPackage, CldPerson } from '../../import/importTypes';

/**
 * How what a CLD row says is folded into what is stored. The return is the council's truth for the
 * fields it holds (CLD_PERSON_FIELDS, a package's service, dates, status and funding, an
 * assessment); the rest of a record (a person's allocation, restriction, telecom and address lines,
 * a package's tasks and notes) comes from elsewhere and is kept.
 */

export function mergeCldPerson(current: Person | undefined, row: CldPerson): Person {
  // Someone new is held back, as a restricted record, until the council's allocations extract says
  // whether their record is restricted: the return cannot say, and a record that should never be
  // shared (someone fleeing abuse) must not be served in the hours between the two imports.
  const next: Person = current
    ? { ...current }
    : { id: row.id, givenNames: [], familyName: '', birthDate: row.birthDate, gender: row.gender, telecom: [], restricted: true };
  const fields = next as unknown as Record<string, unknown>;
  for (const field of CLD_PERSON_FIELDS) fields[field] = row[field];
  // A return without a name or NHS number for someone already known says nothing new about them.
  if (current && !row.familyName && row.givenNames.length === 0) {
    next.familyName = current.familyName;
    next.givenNames = current.givenNames;
  }
  if (current && !row.nhsNumber) next.nhsNumber = current.nhsNumber;
  // A verification status is about one number: a new number is not verified by the return.
  if (next.nhsNumber !== current?.nhsNumber) next.nhsNumberVerification = undefined;
  next.address = mergePostcode(current?.address, row.postcode);
  next.source = current?.source ?? 'cld';
  return withoutUndefined(next);
}

/**
 * CLD holds only the postcode. The same postcode keeps the address lines known from elsewhere; a
 * different one means the person has moved, and the old lines would be wrong.
 */
function mergePostcode(current: PostalAddress | undefined, postcode: string | undefined): PostalAddress | undefined {
  if (!postcode) return current;
  if (current && samePostcode(current.postcode, postcode)) return current;
  return { lines: [], postcode };
}

function samePostcode(a: string | undefined, b: string): boolean {
  return a !== undefined && a.replace(/\s+/g, '').toUpperCase() === b.replace(/\s+/g, '').toUpperCase();
}

export function mergeCldPackage(current: CarePackage | undefined, row: CldPackage, providerId: string | undefined): CarePackage {
  const { provider: _named, ...pkg } = row;
  const details = current?.details || pkg.details ? withoutUndefined({ ...current?.details, ...pkg.details }) : undefined;
  return withoutUndefined<CarePackage>({
    ...pkg,
    providerId,
    details,
    // Back in the return after an import ended it: open again, as the return says.
    endedBy: undefined,
    source: current?.source ?? 'cld',
  });
}

export function mergeCldAssessment(current: Assessment | undefined, row: Assessment): Assessment {
  return withoutUndefined<Assessment>({ ...row, source: current?.source ?? 'cld' });
}
