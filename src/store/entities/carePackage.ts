import { CarePackage } from '../../domain/carePackage';
import { columnsOf, entityTable } from '../columns';

const carePackage = columnsOf<CarePackage>();
/** Care packages: what care a person has, from whom, and when. */
export const carePackages = entityTable({
  table: 'care_packages',
  refersTo: ['people', 'organisations'],
  columns: [
    carePackage.field('id', 'text', 'id'),
    carePackage.field('person_id', 'text', 'personId'),
    carePackage.field('service_type', 'text', 'serviceType'),
    carePackage.field('status', 'text', 'status'),
    carePackage.field('start_date', 'date', 'startDate'),
    carePackage.field('end_date', 'date', 'endDate'),
    carePackage.field('status_reason', 'text', 'statusReason'),
    carePackage.field('funding', 'text', 'funding'),
    carePackage.field('provider_id', 'text', 'providerId'),
    carePackage.field('details', 'jsonb', 'details'),
    ...carePackage.meta(),
  ],
  fields: {
    id: 'id',
    personId: 'person_id',
    serviceType: 'service_type',
    status: 'status',
    funding: 'funding',
    providerId: 'provider_id',
    period: { kind: 'range', start: 'start_date', end: 'end_date' },
  },
});
