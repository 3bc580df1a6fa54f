import { CareTeam } from '@medplum/fhirtypes';
import { withoutUndefined } from '../../domain/objects';
import { Person } from '../../domain/person';
import { badRequest } from '../outcome';
import { businessRule, checkResource, referencedId, referenceTarget, required } from './elements';
import { InboundMapping, RequiredReference } from './inbound';

const NEEDS_PERSON =
  "a CareTeam is a person's allocation: its id is the person's social-care reference, and the person must exist; send their Patient first, in the same transaction if you like";

/**
 * CareTeam -> the person's allocation: the allocated worker (a PractitionerRole member) and the
 * responsible team (an Organization member). Everything else on the CareTeam (its numbers, its
 * council, its name) is derived from those, and everything else about the person is kept.
 * A kind of member left out is cleared: a CareTeam without a PractitionerRole deallocates.
 */
export const careTeamInbound: InboundMapping<'person'> = {
  entity: 'person',
  needsCurrent: NEEDS_PERSON,
  idFromResource: (resource) => referencedId((resource as CareTeam).subject, ['Patient'], 'CareTeam.subject'),
  toRecord(resource, id, current) {
    checkResource(resource, 'CareTeam', id);
    const team = resource as CareTeam;
    const subject = referencedId(team.subject, ['Patient'], 'CareTeam.subject');
    if (subject !== undefined && subject !== id) {
      throw badRequest(`CareTeam.subject names Patient/${subject} but CareTeam/${id} is the team of ${id}: the subject must be Patient/${id}`, ['CareTeam.subject']);
    }
    // The mapping is a view onto the person held; the write path checks needsCurrent first.
    if (!current) throw businessRule(NEEDS_PERSON, 'CareTeam.subject');
    const workers: string[] = [];
    const teams: string[] = [];
    (team.participant ?? []).forEach((p, i) => {
      const expression = `CareTeam.participant[${i}].member`;
      const member = required(p.member, expression, 'the allocated worker (PractitionerRole/<id>) or the responsible team (Organization/<id>)');
      const target = referenceTarget(member, ['PractitionerRole', 'Organization'], expression)!;
      (target.type === 'PractitionerRole' ? workers : teams).push(target.id);
    });
    return withoutUndefined<Person>({
      ...current,
      allocatedWorkerId: one(workers, 'allocated worker (PractitionerRole)'),
      responsibleTeamId: one(teams, 'responsible team (Organization)'),
    });
  },
  references: (person) => {
    const refs: RequiredReference[] = [];
    if (person.allocatedWorkerId) refs.push({ kind: 'worker', id: person.allocatedWorkerId, expression: 'CareTeam.participant.member' });
    if (person.responsibleTeamId) {
      refs.push({ kind: 'organisation', id: person.responsibleTeamId, expression: 'CareTeam.participant.member', organisationKinds: ['team', 'council'] });
    }
    return refs;
  },
};

/** A person has at most one allocated worker and one responsible team. */
function one(ids: string[], what: string): string | undefined {
  const distinct = [...new Set(ids)];
  if (distinct.length > 1) {
    throw badRequest(`CareTeam.participant names ${distinct.length} of the ${what}: a person has one; send one participant of that kind`, [
      'CareTeam.participant',
    ]);
  }
  return distinct[0];
}
