import { View } from '../access/context';
import { Organisation } from '../domain/organisation';
import { Person } from '../domain/person';
import { Worker } from '../domain/worker';

/** Reference data a mapping may need to name and give numbers for related organisations and workers. */
export interface MappingContext {
  view: View;
  organisation(id: string | undefined): Organisation | undefined;
  worker(id: string | undefined): Worker | undefined;
  person(id: string | undefined): Person | undefined;
}
