import { ContactPoint, PostalAddress } from '../../domain/person';
import { eventId } from '../cld/stableIds';
import { tidyPostcode } from '../cqc/ukPostcode';
import { AllocationsFacts } from '../importTypes';
import { RecordType } from './allocationsColumns';
import { RowReading, withArticle } from './rowReading';

/** What each record type of the extract becomes, before the references between rows are checked. */
export type RecordOf = {
  council: AllocationsFacts['council'][number]['record'];
  team: AllocationsFacts['teams'][number]['record'];
  worker: AllocationsFacts['workers'][number]['record'];
  provider: AllocationsFacts['providerNumbers'][number]['record'];
  allocation: AllocationsFacts['allocations'][number]['record'];
  safeguarding: AllocationsFacts['safeguardingConcerns'][number]['record'];
  person: AllocationsFacts['people'][number]['record'];
  package: AllocationsFacts['packages'][number]['record'];
};

/** More visits a day than this is a typing error, not a package. */
const MOST_VISITS_PER_DAY = 24;

/** Reads one row as its record type: the record, or undefined with the problems on the reading. */
export const READ_RECORD: { [T in RecordType]: (row: RowReading) => RecordOf[T] | undefined } = {
  council(row) {
    const name = row.required('name');
    const odsCode = row.odsCode('odsCode');
    const telecom = contactPoints({ office: row.phone('officePhone', 'required'), outOfHours: row.phone('outOfHoursPhone', 'required'), email: row.email('email') });
    const address = addressOf(row);
    if (row.problems.length > 0) return undefined;
    return { name: name!, telecom, ...(odsCode ? { odsCode } : {}), ...(address ? { address } : {}) };
  },

  team(row) {
    const id = row.id('teamId', 'required');
    const name = row.required('name');
    const telecom = contactPoints({ office: row.phone('officePhone', 'required'), outOfHours: row.phone('outOfHoursPhone', 'optional'), email: row.email('email') });
    const address = addressOf(row);
    if (row.problems.length > 0) return undefined;
    return { id: id!, name: name!, telecom, ...(address ? { address } : {}) };
  },

  worker(row) {
    const id = row.id('workerId', 'required');
    const givenNames = row.required('givenNames');
    const familyName = row.required('familyName');
    const role = row.required('role');
    const teamId = row.id('teamId', 'required');
    const telecom = contactPoints({ office: row.phone('officePhone', 'optional'), mobile: row.phone('mobilePhone', 'optional'), email: row.email('email') });
    if (row.problems.length > 0) return undefined;
    return { id: id!, givenNames: givenNames!.split(/\s+/), familyName: familyName!, role: role!, teamId: teamId!, telecom };
  },

  provider(row) {
    const cqcLocationId = row.cqcLocationId('cqcLocationId');
    const outOfHours = row.phone('outOfHoursPhone', 'optional');
    const email = row.email('email');
    const odsCode = row.odsCode('odsCode');
    if (!row.optional('outOfHoursPhone') && !row.optional('email') && !row.optional('odsCode')) {
      row.refuse('outOfHoursPhone', undefined, 'a provider row needs an Out of Hours Phone, an Email or an ODS Code');
    }
    if (row.problems.length > 0) return undefined;
    return { cqcLocationId: cqcLocationId!, telecom: contactPoints({ outOfHours, email }), ...(odsCode ? { odsCode } : {}) };
  },

  allocation(row) {
    const person = personOf(row);
    const allocatedWorkerId = row.id('workerId', 'optional');
    const responsibleTeamId = row.id('teamId', 'optional');
    if (!row.optional('workerId') && !row.optional('teamId')) {
      row.refuse('workerId', undefined, 'an allocation row needs a Worker ID, a Team ID or both');
    }
    const restricted = row.yesNo('restricted');
    if (row.problems.length > 0) return undefined;
    return { ...person, ...(allocatedWorkerId ? { allocatedWorkerId } : {}), ...(responsibleTeamId ? { responsibleTeamId } : {}), restricted: restricted! };
  },

  safeguarding(row) {
    const person = personOf(row);
    const id = row.id('concernReference', 'required');
    const concernType = row.concernType('concernType');
    const status = row.concernStatus('concernStatus');
    const raisedDate = row.date('raisedDate', 'required');
    const closedDate = row.date('closedDate', 'optional');
    const contactTeamId = row.id('teamId', 'required');
    if (status === 'closed' && !row.optional('closedDate')) row.refuse('closedDate', undefined, 'a closed concern needs its Closed Date');
    if (status === 'open' && closedDate) row.refuse('closedDate', closedDate, 'an open concern has no Closed Date: close it, or clear the date');
    if (raisedDate && closedDate && closedDate < raisedDate) row.refuse('closedDate', row.optional('closedDate'), `closed before it was raised (${raisedDate})`);
    if (row.problems.length > 0) return undefined;
    return { id: id!, ...person, status: status!, concernType: concernType!, raisedDate: raisedDate!, ...(closedDate ? { closedDate } : {}), contactTeamId: contactTeamId! };
  },


  person(row) {
    const person = personOf(row);
    const title = row.optional('title');
    const home = row.phone('homePhone', 'optional');
    const mobile = row.phone('mobilePhone', 'optional');
    const email = row.email('email');
    const nhsNumberVerification = row.verificationStatus('nhsNumberVerification');
    const addressLines = (['addressLine1', 'addressLine2', 'addressLine3'] as const).map((c) => row.optional(c)).filter((l): l is string => l !== undefined);
    const town = row.optional('town');
    if (row.problems.length > 0) return undefined;
    const telecom: ContactPoint[] = [];
    if (home) telecom.push({ system: 'phone', value: home, use: 'home' });
    if (mobile) telecom.push({ system: 'phone', value: mobile, use: 'mobile' });
    if (email) telecom.push({ system: 'email', value: email, use: 'home' });
    return { ...person, ...(title ? { title } : {}), telecom, addressLines, ...(town ? { town } : {}), ...(nhsNumberVerification ? { nhsNumberVerification } : {}) };
  },

  package(row) {
    const eventReference = row.required('eventReference');
    const visitsPerDay = row.count('visitsPerDay', MOST_VISITS_PER_DAY);
    const tasks = (row.optional('tasks') ?? '').split(';').map((t) => t.trim()).filter((t) => t !== '');
    const notes = row.optional('notes');
    if (row.problems.length > 0) return undefined;
    return { eventReference: eventReference!, packageId: eventId(eventReference!), ...(visitsPerDay ? { visitsPerDay } : {}), tasks, ...(notes ? { notes } : {}) };
  },
};

/** The person a row is about: by the council's id, the NHS number, or both. */
function personOf(row: RowReading): { personId?: string; nhsNumber?: string } {
  const personId = row.id('personId', 'optional');
  const nhsNumber = row.nhsNumber('nhsNumber');
  if (!row.optional('personId') && !row.optional('nhsNumber')) {
    row.refuse('personId', undefined, `${withArticle(row.recordType)} row needs the person's LA Person Unique Identifier, NHS Number or both`);
  }
  return { ...(personId ? { personId } : {}), ...(nhsNumber ? { nhsNumber } : {}) };
}

/** In the order the facade lists them: office, mobile, out of hours, e-mail. */
function contactPoints({ office, mobile, outOfHours, email }: { office?: string; mobile?: string; outOfHours?: string; email?: string }): ContactPoint[] {
  const points: ContactPoint[] = [];
  if (office) points.push({ system: 'phone', value: office, use: 'work' });
  if (mobile) points.push({ system: 'phone', value: mobile, use: 'mobile' });
  if (outOfHours) points.push({ system: 'phone', value: outOfHours, use: 'out-of-hours' });
  if (email) points.push({ system: 'email', value: email, use: 'work' });
  return points;
}

function addressOf(row: RowReading): PostalAddress | undefined {
  const lines = (['addressLine1', 'addressLine2', 'addressLine3'] as const).map((c) => row.optional(c)).filter((l): l is string => l !== undefined);
  const city = row.optional('town');
  const postcode = row.optional('postcode');
  if (lines.length === 0 && !city && !postcode) return undefined;
  return { lines, ...(city ? { city } : {}), ...(postcode ? { postcode: tidyPostcode(postcode) } : {}) };
}
