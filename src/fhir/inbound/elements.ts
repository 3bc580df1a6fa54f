import { Address, CodeableConcept, ContactPoint as FhirContactPoint, Extension, HumanName, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import { isCalendarDate } from '../../domain/dates';
import { ID, ID_CHARS } from '../../domain/ids';
import { ContactPoint, PostalAddress } from '../../domain/person';
import { withoutUndefined } from '../../domain/objects';
import { badRequest, FhirError, outcome } from '../outcome';

/**
 * Reading the elements of an incoming resource into domain values. Every reader takes the element's
 * path (a FHIRPath expression such as "CarePlan.subject") and names it in its refusal, so an
 * integration engineer can see which element to change and what to send instead.
 */

/** A refusal on a business rule (422), as opposed to a value the facade cannot read (400). */
export function businessRule(message: string, expression: string): FhirError {
  return new FhirError(422, outcome('business-rule', message, 'error', [expression]));
}

/** The resource is of the type the mapping reads and, when it carries an id, of the record written. */
export function checkResource(resource: Resource, type: string, id: string): void {
  if (resource.resourceType !== type) {
    throw badRequest(`Expected a ${type} resource, got ${resource.resourceType ?? 'none'}: send a ${type}`, [`${type}.resourceType`]);
  }
  if (resource.id !== undefined && resource.id !== id) {
    throw badRequest(`${type}.id is ${resource.id} but the ${type} being written is ${id}: send the same id or leave id out`, [`${type}.id`]);
  }
}

/** A value that must be present. */
export function required<T>(value: T | undefined | null, expression: string, what: string): T {
  if (value === undefined || value === null || (typeof value === 'string' && !value.trim())) {
    throw badRequest(`${expression} is required: ${what}`, [expression]);
  }
  return value;
}

/** Text trimmed, or undefined when it says nothing. */
export function text(value: string | undefined): string | undefined {
  return value?.trim() || undefined;
}

// A relative reference, or an absolute URL ending in one; an optional /_history/n names a version of the same record.
const TYPED_REFERENCE = new RegExp(`^(?:https?://\\S+/)?([A-Z][A-Za-z]+)/(${ID_CHARS})(?:/_history/[A-Za-z0-9\\-.]{1,64})?$`);

/** The id a reference names, when it names one of `types` (referenceTarget). */
export function referencedId(ref: Reference | undefined, types: readonly string[], expression: string): string | undefined {
  return referenceTarget(ref, types, expression)?.id;
}

/**
 * The type and id a reference names, when it names one of `types`. References in a transaction
 * are rewritten to Type/id before mapping, so a urn:uuid still present named no entry of it.
 */
export function referenceTarget(ref: Reference | undefined, types: readonly string[], expression: string): { type: string; id: string } | undefined {
  if (!ref) return undefined;
  const wanted = types.map((t) => `${t}/<id>`).join(' or ');
  const value = ref.reference?.trim();
  if (!value) {
    throw badRequest(`${expression} must be a literal reference (${wanted}); a reference by identifier or display alone is not resolved here`, [expression]);
  }
  if (value.startsWith('urn:uuid:') || value.startsWith('urn:oid:')) {
    throw badRequest(
      `${expression}: ${value} is unresolved: it names no entry's fullUrl in the same transaction. Send ${wanted}, or the fullUrl of the entry that creates it`,
      [expression],
    );
  }
  const match = TYPED_REFERENCE.exec(value);
  if (!match) throw badRequest(`${expression}: ${value} is not a reference the facade can follow: send ${wanted}`, [expression]);
  const [, type, id] = match;
  if (!types.includes(type)) throw badRequest(`${expression} must name a ${types.join(' or a ')}, not a ${type}: send ${wanted}`, [expression]);
  return { type, id };
}

export function requiredReferencedId(ref: Reference | undefined, types: readonly string[], expression: string, what: string): string {
  return required(referencedId(required(ref, expression, what), types, expression), expression, what);
}

/** The value of the one identifier in `system`; two that differ are refused. */
export function identifierValue(identifiers: Identifier[] | undefined, system: string, expression: string): string | undefined {
  const values = [...new Set((identifiers ?? []).filter((i) => i.system === system).map((i) => i.value?.trim()))];
  if (values.includes(undefined) || values.includes('')) throw badRequest(`${expression}: an identifier in ${system} has no value`, [expression]);
  if (values.length > 1) throw badRequest(`${expression} holds ${values.length} different identifiers in ${system}: send one`, [expression]);
  return values[0];
}

/** An identifier that is the record's own id: a valid id, and the id being written. */
export function ownIdentifier(identifiers: Identifier[] | undefined, system: string, expression: string): string | undefined {
  const value = identifierValue(identifiers, system, expression);
  if (value !== undefined && !ID.test(value)) {
    throw badRequest(`${expression}: ${value} (${system}) is not a valid id: 1 to 64 letters, digits, '-' or '.'`, [expression]);
  }
  return value;
}

export function checkOwnIdentifier(identifiers: Identifier[] | undefined, system: string, id: string, expression: string): void {
  const value = ownIdentifier(identifiers, system, expression);
  if (value !== undefined && value !== id) {
    throw badRequest(`${expression}: the identifier in ${system} is ${value} but the record being written is ${id}: they must be the same`, [expression]);
  }
}

// A FHIR date or dateTime that names a whole day (a dateTime's time is not kept).
const DAY = /^(\d{4}-\d{2}-\d{2})(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?$/;

/** The day a date or dateTime names: partial dates (1941, 1941-06) and impossible ones are refused. */
export function calendarDate(value: string | undefined, expression: string): string | undefined {
  if (value === undefined) return undefined;
  const day = DAY.exec(value)?.[1];
  if (!day || !isCalendarDate(day)) {
    throw badRequest(`${expression}: ${value} is not a day that exists: send a full date, YYYY-MM-DD (e.g. 1941-06-14)`, [expression]);
  }
  return day;
}

/** A period's days, the end not before the start. */
export function period(p: { start?: string; end?: string } | undefined, expression: string): { start?: string; end?: string } {
  const start = calendarDate(p?.start, `${expression}.start`);
  const end = calendarDate(p?.end, `${expression}.end`);
  if (start && end && end < start) {
    throw badRequest(`${expression}: the end (${end}) is before the start (${start})`, [`${expression}.end`]);
  }
  return { start, end };
}

const CONTACT_USES = ['home', 'work', 'mobile'] as const;

/** Phone numbers and e-mail addresses; `use` (home, work, mobile) when given. */
export function contactPoints(points: FhirContactPoint[] | undefined, expression: string): ContactPoint[] {
  return (points ?? []).map((p, i) => contactPoint(p, `${expression}[${i}]`));
}

export function contactPoint(p: FhirContactPoint, expression: string): ContactPoint {
  if (p.system !== 'phone' && p.system !== 'email') {
    throw badRequest(`${expression}.system is ${p.system ?? 'missing'}: the facade holds phone numbers and e-mail addresses only (system phone or email)`, [
      `${expression}.system`,
    ]);
  }
  const value = required(text(p.value), `${expression}.value`, 'the number or address');
  if (p.use !== undefined && !(CONTACT_USES as readonly string[]).includes(p.use)) {
    throw badRequest(`${expression}.use is ${p.use}: send ${CONTACT_USES.join(', ')} or leave it out`, [`${expression}.use`]);
  }
  return withoutUndefined<ContactPoint>({ system: p.system, value, use: p.use as ContactPoint['use'] });
}

/** The address of `use` (a person's home, an office's work address), else the first. */
export function postalAddress(addresses: Address[] | undefined, use: Address['use']): PostalAddress | undefined {
  const a = addresses?.find((x) => x.use === use) ?? addresses?.[0];
  if (!a) return undefined;
  const address = withoutUndefined<PostalAddress>({
    lines: (a.line ?? []).map((l) => l.trim()).filter(Boolean),
    city: text(a.city),
    district: text(a.district),
    postcode: text(a.postalCode),
  });
  return address.lines.length || Object.keys(address).length > 1 ? address : undefined;
}

/** The official name, else the first: given names, family name and the first prefix (a title). */
export function personName(names: HumanName[] | undefined, expression: string): { givenNames: string[]; familyName: string; title?: string } {
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  if (!name) return { givenNames: [], familyName: '' };
  const givenNames = (name.given ?? []).map((g) => g.trim()).filter(Boolean);
  const familyName = name.family?.trim() ?? '';
  if (!familyName && givenNames.length === 0 && text(name.text)) {
    throw badRequest(`${expression}: the name is given only as text; send it as family and given`, [expression]);
  }
  return withoutUndefined({ givenNames, familyName, title: text(name.prefix?.[0]) });
}

/**
 * The code a concept carries in `system`, one of `codes`. Absent: undefined. A code outside the
 * list is refused with the list.
 */
export function codeIn<C extends string>(
  concepts: CodeableConcept | CodeableConcept[] | undefined,
  system: string,
  codes: readonly C[],
  expression: string,
): C | undefined {
  const codings = [concepts ?? []].flat().flatMap((c) => c.coding ?? []).filter((c) => c.system === system);
  const found = [...new Set(codings.map((c) => c.code))];
  if (found.length === 0) return undefined;
  if (found.length > 1) throw badRequest(`${expression} holds ${found.length} codes in ${system}: send one`, [expression]);
  const code = found[0];
  if (!code || !(codes as readonly string[]).includes(code)) {
    throw badRequest(`${expression}: ${code ?? 'a coding without a code'} is not a code of ${system}; send one of ${codes.join(', ')}`, [expression]);
  }
  return code as C;
}

export function requiredCodeIn<C extends string>(
  concepts: CodeableConcept | CodeableConcept[] | undefined,
  system: string,
  codes: readonly C[],
  expression: string,
): C {
  const code = codeIn(concepts, system, codes, expression);
  if (code === undefined) throw badRequest(`${expression} needs a coding in ${system}: one of ${codes.join(', ')}`, [expression]);
  return code;
}

/** The extensions of one URL. */
export function extensionsOf(extensions: Extension[] | undefined, url: string): Extension[] {
  return (extensions ?? []).filter((e) => e.url === url);
}

/** The one extension of a URL; a second is refused (the facade keeps one value). */
export function extensionOf(extensions: Extension[] | undefined, url: string, expression: string): Extension | undefined {
  const found = extensionsOf(extensions, url);
  if (found.length > 1) throw badRequest(`${expression} holds ${url} ${found.length} times: send it once`, [expression]);
  return found[0];
}

/** A yes/no extension's value. */
export function booleanExtension(extensions: Extension[] | undefined, url: string, expression: string): boolean | undefined {
  const e = extensionOf(extensions, url, expression);
  if (!e) return undefined;
  if (typeof e.valueBoolean !== 'boolean') throw badRequest(`${expression}: ${url} takes valueBoolean (true or false)`, [expression]);
  return e.valueBoolean;
}

/** An extension whose value is words (valueCodeableConcept.text, or a coding's display, or valueString). */
export function wordsExtension(extensions: Extension[] | undefined, url: string, expression: string): string | undefined {
  const e = extensionOf(extensions, url, expression);
  if (!e) return undefined;
  const words = text(e.valueCodeableConcept?.text) ?? text(e.valueCodeableConcept?.coding?.[0]?.display) ?? text(e.valueString);
  return required(words, expression, `${url} takes valueCodeableConcept with text`);
}

/**
 * A resource the facade holds only while it is current: `active: false` has no record to become.
 * Removing one is a DELETE.
 */
export function refuseInactive(active: boolean | undefined, type: string): void {
  if (active === false) {
    throw businessRule(`${type}.active false: the facade keeps no inactive ${type}; send active true (or leave it out), or DELETE the ${type}`, `${type}.active`);
  }
}
