import { viewRules } from '../access/views';
import { ResourceDefinition } from './definition';
import { forbidden } from './outcome';
import { ScopingContext } from './scoping';
import { SearchQuery } from './searchQuery';

/**
 * Minimum necessary: a hospital or a portal (the health view) finds a person it names; it never
 * browses the register. A search of a type about people (Patient, and the records about them) by
 * such a client must name someone: by NHS number or social-care reference (`identifier`), by id
 * (`_id`), or by family name with date of birth; for the records about people, the person through
 * `patient`/`subject` (a reference, `:identifier`, or a chain to those). Anything else, a bare
 * `GET Patient`, `CarePlan?status=active`, a misspelt parameter, is refused (403) with what to
 * send. The council's own clients (the social-care views) keep browsing; a population is taken by
 * bulk export, not by paging through searches.
 */
export function requireNamedPerson(def: ResourceDefinition, q: SearchQuery, ctx: ScopingContext): void {
  if (def.personField === undefined || viewRules(ctx.view).councilFindings) return;
  // A patient/ scope confines every search to its one person already.
  if (ctx.caller?.patient) return;
  const keys = q.applied.map(([key]) => key);
  if (namesPerson(def, keys)) return;
  const how =
    def.type === 'Patient'
      ? 'identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number> (or the social-care reference), _id=<id>, or family=<name>&birthdate=<date>'
      : 'patient.identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>, patient=Patient/<id>, or patient.family=<name>&patient.birthdate=<date>';
  throw forbidden(
    `A search of ${def.type} must name the person it is for: ${how}. Health and portal clients find the people they name; ` +
      `they do not list the register (a portal takes its population by bulk export).`,
  );
}

/** The parameters (as sent, modifiers and chains included) that name one person. */
const BY_PERSON = /^(identifier|_id)(:[A-Za-z]+)?$/;
const PERSON_REFERENCE = /^(patient|subject)(:Patient)?(:identifier)?$/;
const PERSON_CHAIN = /^(patient|subject)(:Patient)?\.(identifier|_id)$/;

function namesPerson(def: ResourceDefinition, keys: string[]): boolean {
  if (def.type === 'Patient') {
    return keys.some((k) => BY_PERSON.test(k)) || (keys.includes('family') && keys.includes('birthdate'));
  }
  if (keys.some((k) => /^_id(:[A-Za-z]+)?$/.test(k) || PERSON_REFERENCE.test(k) || PERSON_CHAIN.test(k))) return true;
  const chained = (param: string) => keys.some((k) => new RegExp(`^(patient|subject)(:Patient)?\\.${param}$`).test(k));
  return chained('family') && chained('birthdate');
}
