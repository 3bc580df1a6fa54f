import { Criterion } from '../store/criteria';
import { ParamUse, ResourceDefinition, SearchParamDefinition, SearchParamType } from './definition';
import { notSupported } from './outcome';
import { definitionOf } from './registry';

/**
 * The two ways a search reaches into another type: a chain (CarePlan?patient.name=Barbara: records
 * whose reference points at a match of the target type) and a reverse chain (Patient?_has:CarePlan:
 * patient:status=active: records that a match of another type points at). Both go one level deep,
 * to any search parameter of the other type with the modifiers that parameter supports; anything
 * else is refused, never ignored, since ignoring it would answer with everything.
 */

/**
 * What the caller may see of the type a chain or _has looks into, as criteria (its scopes, its
 * organisation, its view): a search learns nothing through another type that it could not search
 * there itself. Throws when the caller may not search that type at all. Without one (parsing alone,
 * the conformance types), only the type's own base criteria apply.
 */
export type LinkedScope = (def: ResourceDefinition) => Criterion[];

/** How a parameter key turned out: the parameter whose type reads the value, and how to build its criterion. */
export interface KeyUse {
  valueType: SearchParamType;
  criterion(prefix: string, value: string): Criterion;
}

/** What the definitions need to offer for linking: a searched type's parameters. */
type Searchable = Pick<ResourceDefinition, 'type' | 'searchParams'>;

const own = <T>(table: Record<string, T>, name: string): T | undefined => (Object.hasOwn(table, name) ? table[name] : undefined);

/**
 * A value no reference holds, put where the reference parameter expects an id: where it comes out
 * in the parameter's criterion is the field that holds the reference. Neither `/` nor `,`, so it
 * reads as one id.
 */
const MARK = 'linked\u0000target';

const NAME = '[A-Za-z0-9_-]+';
const CHAIN = new RegExp(`^(${NAME})(?::(${NAME}))?\\.(${NAME})(?::(${NAME}))?$`);

/** Whether a key asks for a link to another type: a chain (any dot) or a reverse chain (_has). */
export function isLink(key: string): boolean {
  return key.includes('.') || key === '_has' || key.startsWith('_has:');
}

/**
 * `name[:Type].param[:modifier]`: the reference parameter `name` of `def`, chained one level into
 * `param` of the type it points at.
 */
export function chainUse(def: Searchable, key: string, scope: LinkedScope | undefined): KeyUse {
  const m = CHAIN.exec(key);
  if (!m) {
    throw notSupported(
      (key.split('.').length > 2 ? `${key}: only one level of chaining is supported` : `${key} is not a chained parameter (name.param, name:Type.param)`) +
        ' (e.g. patient.identifier, subject:Patient.name:exact)',
      [key],
    );
  }
  const [, name, typeModifier, chained, modifier] = m;
  const param = own(def.searchParams, name);
  if (!param) throw notSupported(`${key}: ${def.type} has no search parameter ${name} to chain from`, [key]);
  if (param.type !== 'reference' || !param.targets?.length) {
    throw notSupported(`${key}: ${def.type}.${name} is not a reference, so it cannot be chained`, [key]);
  }
  if (typeModifier !== undefined && !param.targets.includes(typeModifier)) {
    throw notSupported(`${key}: ${def.type}.${name} points at ${param.targets.join(' or ')}, not ${typeModifier}`, [key]);
  }
  const candidates = typeModifier ? [typeModifier] : param.targets;
  if (candidates.length > 1) {
    throw notSupported(
      `${key}: ${def.type}.${name} points at ${candidates.join(' or ')}; name the type (${candidates.map((t) => `${name}:${t}.${chained}`).join(' or ')})`,
      [key],
    );
  }
  const targetType = candidates[0];
  const target = definitionOf(targetType);
  if (!target) throw notSupported(`${key}: ${targetType} is not served here, so ${name} cannot be chained`, [key]);
  const inner = linkedParam(target, chained, modifier, key);
  const { probe } = referenceFields(def, name, param, targetType, key);
  // Naming the person a record is about by their NHS number or id (patient.identifier, as
  // patient:identifier does) needs no search of people: the record's own rules withhold who they must.
  const namesPerson = targetType === 'Patient' && (chained === 'identifier' || chained === '_id');
  const where = linkedWhere(target, namesPerson ? undefined : scope);
  return {
    valueType: inner.type,
    criterion: (prefix, value) => {
      const nested = [inner.toCriterion({ name: key, modifier, prefix, value }), ...where()];
      return rewrite(probe, (field) => ({ field, match: 'in', kind: target.entity, where: nested }));
    },
  };
}

/**
 * `_has:Type:reference:param[:modifier]`: records of `def` that a record of Type points at through
 * its `reference` parameter, where that record matches `param`.
 */
export function hasUse(def: Searchable, key: string, scope: LinkedScope | undefined): KeyUse {
  const parts = key.split(':');
  const usage = '(_has:Type:reference:parameter, e.g. Patient?_has:CarePlan:patient:status=active)';
  if (parts.includes('_has', 1)) throw notSupported(`${key}: a _has within a _has is not supported`, [key]);
  if (parts.length < 4 || parts.length > 5 || parts.slice(1).some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw notSupported(`${key}: not a reverse chain ${usage}`, [key]);
  }
  const [, sourceType, refName, paramName, modifier] = parts;
  const source = definitionOf(sourceType);
  if (!source) throw notSupported(`${key}: ${sourceType} is not a type served here`, [key]);
  const ref = own(source.searchParams, refName);
  if (!ref || ref.type !== 'reference' || !ref.targets?.includes(def.type)) {
    const pointing = Object.entries(source.searchParams)
      .filter(([, p]) => p.type === 'reference' && p.targets?.includes(def.type))
      .map(([n]) => n);
    throw notSupported(
      `${key}: ${sourceType}.${refName} is not a reference to ${def.type}` + (pointing.length ? ` (${sourceType} points at ${def.type} by ${pointing.join(', ')})` : ''),
      [key],
    );
  }
  // The field of the source's records that holds the reference: what the reference parameter
  // compares a plain id with.
  const { probe, fields } = referenceFields(source, refName, ref, def.type, key);
  if (probe.match !== 'any-of' || fields.length !== 1) throw notSupported(`${key}: _has through ${sourceType}.${refName} is not supported`, [key]);
  const by = fields[0];
  const inner = linkedParam(source, paramName, modifier, key);
  const where = linkedWhere(source, scope);
  return {
    valueType: inner.type,
    criterion: (prefix, value) => ({
      field: 'id',
      match: 'referenced-by',
      kind: source.entity,
      by,
      where: [inner.toCriterion({ name: key, modifier, prefix, value }), ...where()],
    }),
  };
}

/** A parameter of the type linked to, with its modifier checked as if it were searched directly. */
function linkedParam(target: ResourceDefinition, name: string, modifier: string | undefined, key: string): SearchParamDefinition {
  if (name === '_has') throw notSupported(`${key}: a _has within a chain is not supported`, [key]);
  const param = own(target.searchParams, name);
  if (!param) {
    throw notSupported(`${key}: ${target.type} has no search parameter ${name} (supported: ${Object.keys(target.searchParams).join(', ')})`, [key]);
  }
  if (modifier !== undefined && !param.modifiers?.includes(modifier)) {
    throw notSupported(
      `${key}: the modifier :${modifier} is not supported on ${target.type}.${name}` +
        (param.modifiers?.length ? ` (supported: ${param.modifiers.map((x) => `:${x}`).join(', ')})` : ''),
      [key],
    );
  }
  // A type modifier on the linked parameter (subject:Patient) restates its target, as it does directly.
  if (modifier !== undefined && param.targets?.includes(modifier)) return { ...param, toCriterion: (use) => param.toCriterion({ ...use, modifier: undefined }) };
  return param;
}

/** The linked type's base criteria and what the caller may see of it: asked once, when first needed. */
function linkedWhere(target: ResourceDefinition, scope: LinkedScope | undefined): () => Criterion[] {
  let criteria: Criterion[] | undefined;
  return () => (criteria ??= [...(target.baseCriteria ?? []), ...(scope?.(target) ?? [])]);
}

/**
 * The reference parameter's own criterion for a reference to `targetType` whose id is the marker,
 * and the fields it compares with the marker: the parameter says once which field holds the
 * reference (personId; for a CareTeam member, one of two fields by type), and links reuse it. A
 * parameter that does not compare a field with the id as given cannot be linked through.
 */
function referenceFields(def: Searchable, name: string, param: SearchParamDefinition, targetType: string, key: string): { probe: Criterion; fields: string[] } {
  const refuse = () => notSupported(`${key}: ${def.type}.${name} cannot be linked through`, [key]);
  let probe: Criterion;
  try {
    probe = param.toCriterion({ name, prefix: 'eq', value: `${targetType}/${MARK}` } satisfies ParamUse);
  } catch {
    throw refuse();
  }
  const fields: string[] = [];
  const walk = (c: Criterion): void => {
    if (c.match === 'any') c.groups.forEach((g) => g.forEach(walk));
    else if (c.match === 'any-of' && c.values.length === 1 && c.values[0] === MARK) fields.push(c.field);
    // The marker anywhere else (read as text, or beside other values) would be searched for: refuse rather than guess.
    else if (JSON.stringify(c).includes(MARK)) throw refuse();
  };
  walk(probe);
  if (!fields.length) throw refuse();
  return { probe, fields };
}

/** The probe with each comparison against the marker replaced. */
function rewrite(c: Criterion, replace: (field: string) => Criterion): Criterion {
  if (c.match === 'any') return { ...c, groups: c.groups.map((g) => g.map((x) => rewrite(x, replace))) };
  if (c.match === 'any-of' && c.values.length === 1 && c.values[0] === MARK) return replace(c.field);
  return c;
}

/** What the CapabilityStatement says of chains and _has, for every type. */
export const LINK_DOCUMENTATION =
  'Chained parameters go one level, through any reference parameter into any parameter of the type it points at, with that ' +
  'parameter\'s modifiers (CarePlan?patient.name:exact=Barbara; name the type for a reference to several: participant:Organization.name). ' +
  '_has finds records another type points at by a reference parameter (Patient?_has:CarePlan:patient:status=active). Both look only at ' +
  'the records of the other type the client may search (403 when it may search none of them); a deeper chain, a _has within a _has, or ' +
  'any other chain or _has the facade cannot follow is refused with 400, never ignored.';
