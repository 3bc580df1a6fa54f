import { Criterion, CriterionField, EntityKind } from '../../store/criteria';
import { ParamUse, SearchParamDefinition } from '../definition';
import { referenceCriterion } from '../searchValues';
import { identifierCriterion } from './patient';

/**
 * A reference parameter pointing at the person (CarePlan.subject, Flag.patient, ...). It takes
 * `Patient/id` and `:identifier` with an NHS number; like every reference parameter it chains into
 * Patient's own parameters (patient.identifier=..., searchChains.ts), so a caller holding only an
 * NHS number needs one request.
 */
export function personReferenceParam<K extends EntityKind>(
  field: CriterionField<K>,
  documentation: string,
  expression: string,
  definition: string,
): SearchParamDefinition<K> {
  return {
    type: 'reference',
    documentation,
    modifiers: ['identifier', 'Patient'],
    targets: ['Patient'],
    expression,
    definition,
    toCriterion(use: ParamUse): Criterion<K> {
      if (use.modifier === 'identifier') {
        return inPeople(field, [identifierCriterion(use)]);
      }
      return referenceCriterion(field, 'Patient', use);
    },
  };
}

/**
 * Records whose `field` holds a person matching `where`. The field was checked against K where the
 * parameter is declared, and `where` against people; the cast is only because the compiler cannot
 * resolve the chained criteria of a K not yet known.
 */
function inPeople<K extends EntityKind>(field: CriterionField<K>, where: Criterion<'person'>[]): Criterion<K> {
  return { field, match: 'in', kind: 'person', where } as Criterion<K>;
}
