import { Flag } from '@medplum/fhirtypes';
import { withoutUndefined } from '../../domain/objects';
import { CONCERN_TYPES, ConcernStatus, ConcernType, SafeguardingConcern } from '../../domain/safeguarding';
import { badRequest } from '../outcome';
import { CONCERN_TYPE_SYSTEM, RECORD_HEADINGS_SYSTEM, SAFEGUARDING_CONCERN_ID_SYSTEM } from '../systems';
import { checkOwnIdentifier, checkResource, codeIn, ownIdentifier, period, required, requiredReferencedId } from './elements';
import { InboundMapping } from './inbound';

/**
 * Flag -> SafeguardingConcern: the inverse of toFlag. The health view leaves the concern's type
 * out, so a Flag without it keeps the type held; a new concern must say it.
 */
export const flagInbound: InboundMapping<'safeguardingConcern'> = {
  entity: 'safeguardingConcern',
  idFromResource: (resource) => ownIdentifier((resource as Flag).identifier, SAFEGUARDING_CONCERN_ID_SYSTEM, 'Flag.identifier'),
  toRecord(resource, id, current) {
    checkResource(resource, 'Flag', id);
    const flag = resource as Flag;
    checkOwnIdentifier(flag.identifier, SAFEGUARDING_CONCERN_ID_SYSTEM, id, 'Flag.identifier');
    checkCategory(flag);
    const { start, end } = period(flag.period, 'Flag.period');
    return withoutUndefined<SafeguardingConcern>({
      id,
      personId: requiredReferencedId(flag.subject, ['Patient'], 'Flag.subject', 'the person the concern is about, Patient/<id>'),
      status: concernStatus(flag.status),
      concernType: concernType(flag, current),
      raisedDate: required(start, 'Flag.period.start', 'the day the concern was raised, YYYY-MM-DD'),
      closedDate: end,
      contactTeamId: requiredReferencedId(flag.author, ['Organization'], 'Flag.author', 'the team to contact about the concern, Organization/<id>'),
    });
  },
  references: (concern) => [
    { kind: 'person', id: concern.personId, expression: 'Flag.subject' },
    { kind: 'organisation', id: concern.contactTeamId, expression: 'Flag.author', organisationKinds: ['team', 'council'] },
  ],
};

function concernStatus(status: Flag['status']): ConcernStatus {
  if (status === 'active') return 'open';
  if (status === 'inactive') return 'closed';
  const advice =
    status === 'entered-in-error' ? 'a concern entered in error is removed with DELETE Flag/<id>' : 'send active (open) or inactive (closed)';
  throw badRequest(`Flag.status ${status ?? 'missing'}: ${advice}`, ['Flag.status']);
}

function concernType(flag: Flag, current: SafeguardingConcern | undefined): ConcernType {
  const codes = Object.keys(CONCERN_TYPES) as ConcernType[];
  const code = codeIn(flag.code, CONCERN_TYPE_SYSTEM, codes, 'Flag.code');
  if (code) return code;
  if (current) return current.concernType;
  throw badRequest(`Flag.code: a new concern says its type, as a coding in ${CONCERN_TYPE_SYSTEM}: one of ${codes.join(', ')}`, ['Flag.code']);
}

/** Every Flag here is a safeguarding flag: a category, when given, must say so. */
function checkCategory(flag: Flag): void {
  if (!flag.category?.length) return;
  const safeguarding = flag.category.some((c) => c.coding?.some((x) => x.system === RECORD_HEADINGS_SYSTEM && x.code === 'safeguarding'));
  if (!safeguarding) {
    throw badRequest(`Flag.category: the facade holds safeguarding flags only; send ${RECORD_HEADINGS_SYSTEM}|safeguarding or leave category out`, [
      'Flag.category',
    ]);
  }
}
