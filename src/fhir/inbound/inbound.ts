import { Resource } from '@medplum/fhirtypes';
import { RequiredReference } from '../../services/councilRecords';
import { EntityKind } from '../../store/criteria';
import { EntityTypes } from '../../store/tables';

/**
 * FHIR in: how a resource the council's integration engine writes becomes the domain record the
 * facade keeps. One mapping per writable type (inbound/<type>.ts), the inverse of the type's toFhir.
 * The resource has already passed its profile; a mapping checks the domain's rules (Modulus 11,
 * calendar dates, codes) and throws a FhirError naming the element (400 for a value, 422 for a
 * business rule). What the FHIR shape does not carry (a package's hours, where a record came from,
 * a person's allocation, which is written through CareTeam) is kept from the record held.
 */
export interface InboundMapping<K extends EntityKind = EntityKind> {
  entity: K;
  /**
   * When the resource is a view onto a record written through another type (a CareTeam is the
   * person's allocation; a Practitioner is the name of a worker the PractitionerRole created),
   * the record must already exist: the refusal's words when it does not.
   */
  needsCurrent?: string;
  /**
   * The id a create (POST) takes from the resource itself: the council's own reference in an
   * identifier (a person's social-care reference, a package's id), or the person a CareTeam is for.
   * Undefined: the facade assigns one.
   */
  idFromResource?(resource: Resource): string | undefined;
  /** The record the resource describes, under `id`, merged into `current` (what is held, on update). */
  toRecord(resource: Resource, id: string, current: EntityTypes[K] | undefined): EntityTypes[K];
  /** The records it refers to, which must exist when it is written (checked in the same transaction). */
  references(record: EntityTypes[K]): RequiredReference[];
}

/** A reference an inbound record makes: checked to exist, and be of the right kind, when written. */
export type { RequiredReference };
