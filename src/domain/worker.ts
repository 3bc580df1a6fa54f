import { ContactPoint } from './person';

/** A council practitioner who can be allocated to a person: social worker, occupational therapist, ... */
export interface Worker {
  id: string;
  givenNames: string[];
  familyName: string;
  /** Job title as staff would say it: "Social Worker", "Occupational Therapist", "Care Manager". */
  role: string;
  /** The council team the worker belongs to. */
  teamId: string;
  telecom: ContactPoint[];
}
