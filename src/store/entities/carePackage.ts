import { CarePackage } from '../../domain/carePackage';
import { columnsOf, entityTable } from '../columns';

const carePackage = columnsOf<CarePackage>();
/** Care packages: what care a person has, from whom, and when. */
export const carePackages = entityTable({
  table: 'care_packages',
  refersTo: ['people', 'organisations'],
  columns: [
    ...carePackage.plain('text', ['id', 'personId', 'serviceType', 'status', 'statusReason', 'funding', 'providerId']),
    ...carePackage.plain('date', ['startDate', 'endDate']),
    ...carePackage.plain('jsonb', ['details']),
    ...carePackage.meta(),
  ],
  searchBy: ['id', 'personId', 'serviceType', 'status', 'funding', 'providerId'],
  fields: { period: { kind: 'range', start: 'start_date', end: 'end_date' } },
  datasetPart: 'carePackages',
});
