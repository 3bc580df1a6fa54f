import { INBOUND_MAPPINGS } from '../../../src/fhir/inbound';
import { definitionOf } from '../../../src/fhir/registry';

describe('the inbound mappings', () => {
  it('map each writable type onto the entity its definition serves', () => {
    expect(Object.keys(INBOUND_MAPPINGS).sort()).toEqual(
      ['CarePlan', 'CareTeam', 'Flag', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole', 'Procedure', 'RelatedPerson'].sort(),
    );
    for (const [type, mapping] of Object.entries(INBOUND_MAPPINGS)) {
      expect([type, mapping.entity]).toEqual([type, definitionOf(type)?.entity]);
    }
  });
});
