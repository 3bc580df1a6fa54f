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
    ...carePackage.plain('jsonb', ['details', 'cld']),
    ...carePackage.plain('text', ['source', 'endedBy']),
    ...carePackage.meta(),
  ],
  searchBy: ['id', 'personId', 'serviceType', 'status', 'funding', 'providerId', 'source', 'lastUpdated'],
  fields: { period: { kind: 'range', start: 'start_date', end: 'end_date' } },
  datasetPart: 'carePackages',
  migrations: [
    {
      version: 9,
      name: 'care packages as the CLD return names them, and the import that ended one',
      sql: `
        ALTER TABLE care_packages
          ADD COLUMN cld jsonb,
          ADD COLUMN source text,
          ADD COLUMN ended_by text;
        -- A CLD import ends the open packages an earlier one brought in: found by source and status.
        CREATE INDEX care_packages_source_status ON care_packages (source, status);
        CREATE INDEX care_packages_last_updated ON care_packages (last_updated);
      `,
    },
  ],
});
