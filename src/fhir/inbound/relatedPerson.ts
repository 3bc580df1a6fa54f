import { CodeableConcept, RelatedPerson } from '@medplum/fhirtypes';
import { CareRelationship } from '../../domain/carer';
import { withoutUndefined } from '../../domain/objects';
import { badRequest } from '../outcome';
import { NHS_NUMBER_SYSTEM, SOCIAL_CARE_REFERENCE_SYSTEM, UKCORE_PERSON_RELATIONSHIP_SYSTEM } from '../systems';
import { businessRule, checkResource, ownIdentifier, period, requiredReferencedId, text } from './elements';
import { InboundMapping } from './inbound';

/** The code toRelatedPerson writes for every carer: it says nothing of how they are related. */
const CARER_CODE = 'Carer';
/** toRelatedPerson's words: "Unpaid carer", or "Unpaid carer (Sister)" with the relationship. */
const UNPAID_CARER = /^Unpaid carer(?: \((.*)\)|\..*)?$/is;

/**
 * RelatedPerson -> CareRelationship: the inverse of toRelatedPerson. The carer is a person of the
 * council's own, named by their social-care reference; their name, numbers and address are
 * written through their own Patient, so those elements here are not read. The CLD banding of hours
 * caring and the import's bookkeeping are kept from the relationship held.
 */
export const relatedPersonInbound: InboundMapping<'careRelationship'> = {
  entity: 'careRelationship',
  toRecord(resource, id, current) {
    checkResource(resource, 'RelatedPerson', id);
    const related = resource as RelatedPerson;
    const caredForId = requiredReferencedId(related.patient, ['Patient'], 'RelatedPerson.patient', 'the person cared for, Patient/<id>');
    const carerId = carer(related);
    if (carerId === caredForId) {
      throw businessRule(`RelatedPerson.identifier names ${carerId}, the person cared for: a carer is someone else; name the carer's own person record`, 'RelatedPerson.identifier');
    }
    const status = related.active === false ? 'ended' : 'active';
    const { start, end } = period(related.period, 'RelatedPerson.period');
    return withoutUndefined<CareRelationship>({
      id,
      carerId,
      caredForId,
      status,
      startDate: start,
      endDate: end,
      hoursCaringPerWeek: current?.hoursCaringPerWeek,
      relationship: relationship(related.relationship),
      source: 'fhir',
      // The import that ended it, while it stays ended: a relationship resumed is no longer its doing.
      endedBy: status === 'ended' ? current?.endedBy : undefined,
    });
  },
  references: (rel) => [
    { kind: 'person', id: rel.caredForId, expression: 'RelatedPerson.patient' },
    { kind: 'person', id: rel.carerId, expression: 'RelatedPerson.identifier' },
  ],
};

/** The carer's own person record, by social-care reference: an NHS number alone cannot be resolved here. */
function carer(related: RelatedPerson): string {
  const id = ownIdentifier(related.identifier, SOCIAL_CARE_REFERENCE_SYSTEM, 'RelatedPerson.identifier');
  if (id) return id;
  const byNhsNumber = related.identifier?.some((i) => i.system === NHS_NUMBER_SYSTEM);
  throw badRequest(
    `RelatedPerson.identifier: name the carer's own person record by its social-care reference (system ${SOCIAL_CARE_REFERENCE_SYSTEM})` +
      (byNhsNumber ? '; an NHS number alone is not enough' : '') +
      ". The carer's name and numbers are written through their Patient",
    ['RelatedPerson.identifier'],
  );
}

/**
 * How the carer is related, in words: from "Unpaid carer (Sister)", a plain text, or a coding's
 * display other than the carer code.
 */
function relationship(concepts: CodeableConcept[] | undefined): string | undefined {
  for (const concept of concepts ?? []) {
    const words = text(concept.text);
    const unpaid = words && UNPAID_CARER.exec(words);
    if (unpaid) {
      if (text(unpaid[1])) return text(unpaid[1]);
    } else if (words) {
      return words;
    }
    const coded = concept.coding?.find((c) => !(c.system === UKCORE_PERSON_RELATIONSHIP_SYSTEM && c.code === CARER_CODE));
    const display = text(coded?.display) ?? text(coded?.code);
    if (display) return display;
  }
  return undefined;
}
