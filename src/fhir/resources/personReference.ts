import { Criterion } from '../../store/criteria';
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
export function personReferenceParam(field: string, documentation: string, expression: string, definition: string): SearchParamDefinition {
  return {
    type: 'reference',
    documentation,
    modifiers: ['identifier', 'Patient'],
    targets: ['Patient'],
    chains: CHAINABLE,
    expression,
    definition,
    toCriterion(use: ParamUse): Criterion {
      if (use.chain) {
        const target = patientDefinition.searchParams[use.chain];
        if (!target) throw badRequest(`${use.name}.${use.chain}: Patient has no search parameter ${use.chain}`);
        return {
          field,
          match: 'in',
          kind: 'person',
          where: [target.toCriterion({ ...use, name: use.name, modifier: undefined })],
        };
      }
      if (use.modifier === 'identifier') {
        return { field, match: 'in', kind: 'person', where: [identifierCriterion(use)] };
      }
      return referenceCriterion(field, 'Patient', use);
    },
  };
}
