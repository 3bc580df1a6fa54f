import { viewRules } from '../access/views';
import { ResourceDefinition } from './definition';
import { forbidden } from './outcome';
import { ScopingContext } from './scoping';
import { SearchQuery } from './searchQuery';

/**
 * Minimum necessary: a hospital or a portal (the health view) finds a person it names; it never
 * browses the register. A search of a type about people (Patient, and the records about them) by
 * such a client must name one person: by NHS number or social-care reference (`identifier`), by id
 * (`_id`), or by family name with the exact date of birth; for the records about people, the person
 * through `patient`/`subject` (a reference, `:identifier`, or a chain to those). One value each: a
 * list of ids or numbers is a listing. Anything else, a bare `GET Patient`, `CarePlan?status=active`,
 * a misspelt parameter, is refused (403) with what to send; so is a search of the directory
 * (providers, teams, staff) that would bring people's records with it, and the history of a whole
 * type of people's records. The council's own clients (the social-care views) keep browsing; a
 * population is taken by bulk export, not by paging through searches.
 */
export function requireNamedPerson(def: ResourceDefinition, q: SearchQuery, ctx: ScopingContext): void {
  if (mayBrowse(ctx)) return;
  if (def.personField === undefined) {
    const people = q.revIncludes.filter((r) => r.def.personField !== undefined).map((r) => `${r.def.type}:${r.param}`);
    if (people.length) {
      throw forbidden(
        `A search of ${def.type} may not bring people's records with it (${people.join(', ')}): ` +
          `health and portal clients find the people they name, e.g. Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>&_revinclude=CarePlan:subject`,
      );
    }
    return;
  }
  if (namesPerson(def, q.applied)) return;
  const how =
    def.type === 'Patient'
      ? 'identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number> (or the social-care reference), _id=<id>, or family=<name>&birthdate=<YYYY-MM-DD>'
      : 'patient.identifier=https://fhir.nhs.uk/Id/nhs-number|<NHS number>, patient=Patient/<id>, or patient.family=<name>&patient.birthdate=<YYYY-MM-DD>';
  throw forbidden(
    `A search of ${def.type} must name the one person it is for: ${how}. Health and portal clients find the people they name; ` +
      `they do not list the register (a portal takes its population by bulk export).`,
  );
}

/** The history of every record of a type about people is the register, changes and all: the council's clients only. */
export function requireTypeHistoryAllowed(def: ResourceDefinition, ctx: ScopingContext): void {
  if (mayBrowse(ctx) || def.personField === undefined) return;
  throw forbidden(
    `The history of every ${def.type} is the council's register: health and portal clients read the history of one they have found (GET ${def.type}/<id>/_history)`,
  );
}

/** The council's own clients browse; a patient/ scope confines everything to its one person already. */
function mayBrowse(ctx: ScopingContext): boolean {
  return viewRules(ctx.view).councilFindings || !!ctx.caller?.patient;
}

/** `name`, `name:modifier`, with the person reference's spellings: subject:Patient, patient:identifier. */
const PATIENT_BY = /^(identifier|_id)$/;
const PERSON_REFERENCE = /^(patient|subject)(:Patient)?(:identifier)?$/;
const PERSON_CHAIN = /^(patient|subject)(:Patient)?\.(identifier|_id)$/;
const FULL_DATE = /^(eq)?\d{4}-\d{2}-\d{2}$/;

/** Whether the parameters (as applied: name and value) name one person. */
function namesPerson(def: ResourceDefinition, applied: [string, string][]): boolean {
  const values = (test: (key: string) => boolean) => applied.filter(([k]) => test(k)).map(([, v]) => v);
  // One value, naming one: a comma-separated list or a repeated parameter is a list of people.
  const one = (vs: string[]) => vs.length === 1 && !vs[0].includes(',') && vs[0].trim() !== '';
  const byNameAndBirth = (family: (k: string) => boolean, birthdate: (k: string) => boolean) => {
    const f = values(family);
    const b = values(birthdate);
    return one(f) && f[0].trim().length >= 2 && one(b) && FULL_DATE.test(b[0]);
  };
  if (def.type === 'Patient') {
    const byId = values((k) => PATIENT_BY.test(k));
    if (byId.length) return one(byId);
    return byNameAndBirth((k) => k === 'family' || k === 'family:exact', (k) => k === 'birthdate');
  }
  const reference = values((k) => PERSON_REFERENCE.test(k) || PERSON_CHAIN.test(k));
  if (reference.length) return one(reference);
  // A CareTeam's id is its person's id.
  if (def.type === 'CareTeam' && values((k) => k === '_id').length) return one(values((k) => k === '_id'));
  const chained = (param: string) => (k: string) => new RegExp(`^(patient|subject)(:Patient)?\\.${param}(:exact)?$`).test(k);
  return byNameAndBirth(chained('family'), chained('birthdate'));
}
