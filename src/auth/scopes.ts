/**
 * SMART resource scopes: parsing (v2 and v1), granular query scopes, and the grant of the
 * scopes a client asks for within those it is registered for.
 *
 *   v2: (patient|user|system)/(Type|*).c?r?u?d?s?[?param=value&...]   e.g. system/Flag.rs?category=...
 *   v1: (patient|user|system)/(Type|*).(read|write|*)                   mapped .read->rs .write->cud .*->cruds
 */

export type ScopeContext = 'patient' | 'user' | 'system';

/** SMART v2 permissions, in their canonical order. */
export const PERMISSIONS = ['c', 'r', 'u', 'd', 's'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface ResourceScope {
  context: ScopeContext;
  /** A resource type, or '*' for every type. */
  type: string;
  /** The permissions, in c r u d s order. */
  permissions: Permission[];
  /** Granular constraint: search parameters a resource must match (all of them). Empty: none. */
  query: Record<string, string>;
  /** Written in v1 syntax (.read, .write, .*): granted back in v1 syntax (SMART permission-v1). */
  v1: boolean;
  /** The scope as written. */
  text: string;
}

const V1: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(?:\?(.*))?$/;
const V2_PERMISSIONS = /^c?r?u?d?s?$/;
const PARAM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_:.\-]{0,63}$/;

/**
 * One resource scope, or undefined when the text is not one (openid, launch/patient, ...) or is
 * malformed. Undefined or out-of-order suffixes (.dus, .rc) are not scopes at all: never read
 * more broadly than written (SMART: they may be ignored).
 */
export function parseScope(text: string): ResourceScope | undefined {
  const m = SCOPE.exec(text);
  if (!m) return undefined;
  const [, context, type, suffix, rawQuery] = m;
  let permissions: Permission[];
  let v1 = false;
  if (V1[suffix]) {
    permissions = V1[suffix];
    v1 = true;
  } else if (suffix !== '' && V2_PERMISSIONS.test(suffix)) {
    permissions = [...suffix] as Permission[];
  } else {
    return undefined;
  }
  const query = rawQuery === undefined ? {} : parseQuery(rawQuery);
  if (!query) return undefined;
  return { context: context as ScopeContext, type, permissions, query, v1, text };
}

/** `a=1&b=2` as a record; undefined when empty, malformed, or naming a parameter twice. */
function parseQuery(raw: string): Record<string, string> | undefined {
  if (raw === '') return undefined;
  // Names are the client's: `constructor` or `__proto__` must be names like any other.
  const out: Record<string, string> = Object.create(null);
  for (const pair of raw.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, eq));
      value = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return undefined;
    }
    if (!PARAM_NAME.test(name) || value === '' || Object.hasOwn(out, name)) return undefined;
    out[name] = value;
  }
  return out;
}

/** Splits a scope string into resource scopes and the rest (openid, launch, unparseable text). */
export function parseScopes(scope: string | undefined): { resources: ResourceScope[]; others: string[] } {
  const resources: ResourceScope[] = [];
  const others: string[] = [];
  for (const text of (scope ?? '').split(/\s+/).filter(Boolean)) {
    const parsed = parseScope(text);
    if (parsed) resources.push(parsed);
    else others.push(text);
  }
  return { resources, others };
}

/** Writes a scope back: v1 syntax when it was asked for in v1 and still reads as v1, else v2. */
export function formatScope(s: Omit<ResourceScope, 'text'>): string {
  const letters = s.permissions.join('');
  const v1 = s.v1 ? Object.entries(V1).find(([, p]) => p.join('') === letters)?.[0] : undefined;
  const query = Object.entries(s.query)
    .map(([k, v]) => `${readable(k)}=${readable(v)}`)
    .join('&');
  return `${s.context}/${s.type}.${v1 ?? letters}${query ? `?${query}` : ''}`;
}

/** Percent-encodes what would break the scope syntax, keeping the token punctuation (| : /) readable. */
function readable(v: string): string {
  return encodeURIComponent(v).replace(/%7C/gi, '|').replace(/%3A/gi, ':').replace(/%2F/gi, '/').replace(/%2C/gi, ',');
}

/**
 * What two scopes both allow: same context, the narrower type, the common permissions, and both
 * granular constraints. Undefined when nothing is left.
 */
export function intersectScopes(asked: ResourceScope, allowed: ResourceScope): ResourceScope | undefined {
  if (asked.context !== allowed.context) return undefined;
  const type = asked.type === '*' ? allowed.type : allowed.type === '*' || allowed.type === asked.type ? asked.type : undefined;
  if (!type) return undefined;
  const permissions = PERMISSIONS.filter((p) => asked.permissions.includes(p) && allowed.permissions.includes(p));
  if (permissions.length === 0) return undefined;
  const query = mergeQueries(asked.query, allowed.query);
  if (!query) return undefined;
  const same =
    type === asked.type &&
    permissions.length === asked.permissions.length &&
    Object.keys(query).length === Object.keys(asked.query).length;
  if (same) return asked;
  const scope = { context: asked.context, type, permissions, query, v1: asked.v1 };
  return { ...scope, text: formatScope(scope) };
}

/**
 * Both sets of constraints at once. Undefined when they name the same parameter with different
 * values: the facade cannot express "both" for one parameter, so it grants nothing rather than more.
 */
export function mergeQueries(a: Record<string, string>, b: Record<string, string>): Record<string, string> | undefined {
  const out: Record<string, string> = Object.assign(Object.create(null), a);
  for (const [k, v] of Object.entries(b)) {
    if (Object.hasOwn(out, k) && out[k] !== v) return undefined;
    out[k] = v;
  }
  return out;
}

export interface Grant {
  scopes: ResourceScope[];
  /** The granted scopes as a scope string (for the token response and the token). */
  scope: string;
  /** Asked-for scopes that were not granted at all, and why: for the error description. */
  refused: string[];
}

/**
 * The intersection of what a client asks for and what it is registered for. Each asked scope is
 * granted as far as a registered scope covers it (possibly narrower); scopes that are not
 * resource scopes, or that need a launch context (patient/) or a user (user/), are not granted to
 * a backend-services client.
 */
export function grantScopes(asked: string, registered: ResourceScope[]): Grant {
  const { resources, others } = parseScopes(asked);
  const granted = new Map<string, ResourceScope>();
  const refused: string[] = others.map((o) => `${o} (not a resource scope this facade grants)`);
  for (const a of resources) {
    let any = false;
    for (const r of registered) {
      const both = intersectScopes(a, r);
      if (!both) continue;
      any = true;
      if (!granted.has(both.text)) granted.set(both.text, both);
    }
    if (!any) {
      refused.push(
        a.context === 'system'
          ? `${a.text} (not registered for this client)`
          : `${a.text} (${a.context}/ scopes need a ${a.context === 'patient' ? 'patient in context' : 'signed-in user'}, which backend services do not have: ask for system/ scopes)`,
      );
    }
  }
  const scopes = [...granted.values()];
  return { scopes, scope: scopes.map((s) => s.text).join(' '), refused };
}
