import { Criterion, CriterionField, EntityKind } from '../../store/criteria';
import { ParamUse, SearchParamDefinition } from '../definition';
import { badRequest } from '../outcome';
import { referenceCriterion } from '../searchValues';
import { identifierCriterion, patientDefinition } from './patient';

/** Patient parameters a reference to a person may chain into: CarePlan?patient.identifier=... */
const CHAINABLE = ['identifier', 'name', 'family', 'given', 'birthdate', 'gender', '_id'];

/**
 * A reference parameter pointing at the person (CarePlan.subject, Flag.patient, ...). It takes
 * `Patient/id`, `:identifier` with an NHS number, and chains into Patient's own parameters, so a
 * caller holding only an NHS number needs one request.
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
    chains: CHAINABLE,
    expression,
    definition,
    toCriterion(use: ParamUse): Criterion<K> {
      if (use.chain) {
        const target = patientDefinition.searchParams[use.chain];
        if (!target) throw badRequest(`${use.name}.${use.chain}: Patient has no search parameter ${use.chain}`);
        return inPeople(field, [target.toCriterion({ ...use, name: use.name, modifier: undefined })]);
      }
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
