import { Assessment } from '../../domain/assessment';
import { CareRelationship } from '../../domain/carer';
import { ID } from '../../domain/ids';
import { CldPackage } from '../importTypes';
import { CldColumn } from './cldColumns';
import { CLIENT_TYPES, EVENT_OUTCOMES, EVENT_TYPES, EventType, YES_NO } from './cldCodes';
import { parseCldDate } from './cldFieldValues';
import { readPackage } from './cldPackage';
import { CldPersonRead, compact, ID_RULE, PersonStatement, readPersonCells } from './cldPersonCells';
import { RowCells, RowContext, RowProblem } from './rowCells';
import { careRelationshipId, eventId } from './stableIds';

export interface RowReading {
  person: CldPersonRead;
  statements: PersonStatement[];
  carePackage?: CldPackage;
  assessment?: Assessment;
  careRelationships: CareRelationship[];
  /** The event's id, when the row holds an Event Reference. */
  eventId?: string;
}

const LINKED_ADULTS: readonly CldColumn[] = ['adult1', 'adult2', 'adult3'];

/** The events kept as records of their own; requests give the person's facts only. */
const KEPT: ReadonlySet<EventType> = new Set(['assessment', 'review', 'service']);

/**
 * Reads one CLD row on its own: what it says about the person and the event, or every reason it
 * cannot be used. Whether it agrees with other rows is the reader's check (cldReader.ts).
 */
export function readCldRow(values: ReadonlyMap<string, string>, ctx: RowContext): RowReading | RowProblem[] {
  const cells = new RowCells(values, ctx);

  const laCode = cells.get('laCode');
  if (laCode === '') cells.refuse({ column: 'laCode', reason: `${cells.name('laCode')} is blank: the row does not say which council sent it` });
  else if (laCode.toUpperCase() !== ctx.councilLaCode.toUpperCase()) {
    cells.refuse({ column: 'laCode', value: laCode, reason: `the row is for another council (LA Code ${laCode}), not this one (${ctx.councilLaCode})` });
  }

  const { person, statements } = readPersonCells(cells, ctx.today);

  const clientType = cells.coded('clientType', CLIENT_TYPES)?.meaning ?? 'service-user';
  const eventType = cells.coded('eventType', EVENT_TYPES)?.meaning;
  if (cells.get('eventType') === '' && clientType !== 'carer-by-association') {
    cells.refuse({ column: 'eventType', reason: `${cells.name('eventType')} is blank: only a carer known by association has a row with no event` });
  }
  const outcome = cells.coded('eventOutcome', EVENT_OUTCOMES);
  const startDate = cells.parsed('eventStartDate', parseCldDate);
  const endDate = cells.parsed('eventEndDate', parseCldDate);
  if (eventType !== undefined && cells.get('eventStartDate') === '') {
    cells.refuse({ column: 'eventStartDate', reason: `${cells.name('eventStartDate')} is blank: every event has one` });
  }
  if (startDate !== undefined && endDate !== undefined && endDate < startDate) {
    cells.refuse({ column: 'eventEndDate', value: cells.get('eventEndDate'), reason: `the event ends (${endDate}) before it starts (${startDate})` });
  }
  const reference = cells.get('eventReference');
  if (eventType !== undefined && KEPT.has(eventType) && reference === '') {
    cells.refuse({ column: 'eventReference', reason: `${cells.name('eventReference')} is blank: a ${eventType} is kept by its reference` });
  }
  const id = reference === '' ? undefined : eventId(reference);

  const careRelationships = clientType === 'service-user' ? [] : readCarerLinks(cells, person.id);
  // A death the row tells of by its outcome: the Date of Death when given, else the event's own dates.
  const diedOn = person.deceasedDate ?? (outcome?.meaning === 'deceased' ? (endDate ?? startDate) : undefined);

  let carePackage: CldPackage | undefined;
  let assessment: Assessment | undefined;
  if (id !== undefined && startDate !== undefined) {
    if (eventType === 'service') {
      carePackage = readPackage(cells, { id, personId: person.id, startDate, endDate, outcome, deceasedDate: diedOn });
    } else if (eventType === 'assessment' || eventType === 'review') {
      const isReview = eventType === 'review';
      assessment = compact<Assessment>({
        id,
        personId: person.id,
        kind: eventType,
        status: endDate === undefined ? 'in-progress' : 'completed',
        type: cells.get(isReview ? 'reviewReason' : 'assessmentType') || undefined,
        startDate,
        endDate,
        outcome: outcome?.wording,
        method: cells.get(isReview ? 'methodOfReview' : 'methodOfAssessment') || undefined,
        eligibleNeeds: isReview ? undefined : cells.coded('eligibleNeeds', YES_NO)?.meaning,
        outcomesAchieved: isReview ? cells.get('reviewOutcomes') || undefined : undefined,
        source: 'cld',
      });
    }
  }

  if (cells.problems.length > 0) return cells.problems;

  if (diedOn !== undefined) person.deceasedDate = diedOn;
  return { person, statements, carePackage, assessment, careRelationships, eventId: id };
}

/** An unpaid carer's row: one relationship for each adult it names as cared for. */
function readCarerLinks(cells: RowCells, carerId: string): CareRelationship[] {
  const links: CareRelationship[] = [];
  const hours = cells.get('hoursCaring');
  for (const column of LINKED_ADULTS) {
    const caredForId = cells.get(column);
    if (caredForId === '') continue;
    if (!ID.test(caredForId)) {
      cells.refuse({ column, value: caredForId, reason: `${cells.name(column)} must be ${ID_RULE}, as LA Person Unique Identifier is` });
      continue;
    }
    links.push({
      id: careRelationshipId(carerId, caredForId),
      carerId,
      caredForId,
      status: 'active',
      ...(hours ? { hoursCaringPerWeek: hours } : {}),
      source: 'cld',
    });
  }
  return links;
}
