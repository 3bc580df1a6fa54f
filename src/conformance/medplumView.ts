/**
 * Adapts a generated (standard) snapshot to what @medplum/core 5.x's validator can load correctly and
 * report precisely. The committed snapshots stay standard; this view is made in memory, just before
 * `indexStructureDefinitionBundle`, and only changes what that validator would get wrong:
 *
 *  1. Slices nested inside a slice (e.g. `Patient.identifier:nhsNumber.extension:nhsNumberVerificationStatus`)
 *     are removed with their children. Medplum's StructureDefinition parser keeps one flat slicing
 *     context, so a nested slice is registered as a sibling of the outer slice
 *     (`Patient.identifier:nhsNumberVerificationStatus`) and captures the rest of the outer slice's
 *     elements: with UK Core Patient that makes every NHS-number identifier match the wrong slice,
 *     and a profile with `identifier:nhsNumber` 1..1 rejects every patient. Medplum does not
 *     validate a slice's children anyway (only slice counts), so dropping them loses nothing.
 *  2. Extension slices given only by profile (`extension:foo` with `type.profile`, no children in the
 *     snapshot, as the FHIR snapshot rules produce) get a `url` child fixed to that profile. Medplum
 *     matches values to slices through the slice's own elements only, so without it such slices
 *     never match and their cardinality (e.g. UK Core `ethnicCategory` 0..1) is never checked.
 *  3. fixed[x]/pattern[x] on a repeating element (e.g. a pattern on `Flag.category`, 0..1 in the
 *     profile but 0..* in R4) are removed. Medplum compares them with the whole array of values, so
 *     every correct resource fails ("Value did not match expected pattern"); FHIR applies them to
 *     each repetition. profileChecks.ts checks them that way instead. Slices keep theirs: medplum
 *     uses them to match values to slices, where they work.
 *  4. Inside backbone elements, medplum sees only the profile's "required" (min 1, not more), its
 *     invariants and its types, not its upper bounds (max, slice counts) or fixed/pattern values.
 *     Medplum 5.x applies the profile inside a backbone element directly under the resource (4.x used
 *     the base resource's definition there), but reports a value over the maximum, a wrong slice count
 *     or a value off its pattern at the definition's path with no index (`CareTeam.participant.role:
 *     Invalid number of values`, `Organization.contact.purpose: Value did not match expected
 *     pattern`): which participant or contact is wrong, and what was expected, would be lost.
 *     profileChecks.ts reports those at the value's path (`CareTeam.participant[1].role`). A missing
 *     required element medplum reports at the value's path ("Missing required property"), so that
 *     is left to it. Deeper backbone elements (`CarePlan.activity.detail`) medplum still validates
 *     against the base resource's definition; profileChecks.ts checks the profile's rules there.
 */
import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';

export function forMedplumValidator(profile: StructureDefinition): StructureDefinition {
  const elements = profile.snapshot?.element;
  if (!elements) {
    throw new Error(`StructureDefinition ${profile.url} has no snapshot`);
  }
  const withoutNested = removeNestedSlices(elements);
  const element = relaxInsideBackbones(dropRepeatingFixedAndPatterns(addExtensionSliceUrls(withoutNested)));
  return { ...profile, snapshot: { ...profile.snapshot, element } };
}

/** True for ids like `A.b:s1.c:s2`: a slice whose path already runs through another slice. */
export function isNestedSlice(element: ElementDefinition): boolean {
  const segments = (element.id ?? '').split('.');
  const last = segments[segments.length - 1];
  return !!element.sliceName && last.includes(':') && segments.slice(0, -1).some((s) => s.includes(':'));
}

export function removeNestedSlices(elements: ElementDefinition[]): ElementDefinition[] {
  const result: ElementDefinition[] = [];
  let droppedId: string | undefined;
  for (const element of elements) {
    const id = element.id ?? '';
    if (droppedId && (id.startsWith(`${droppedId}.`) || id.startsWith(`${droppedId}/`))) {
      continue; // child or re-slice of a dropped slice
    }
    droppedId = undefined;
    if (isNestedSlice(element)) {
      droppedId = id;
      continue;
    }
    result.push(element);
  }
  return result;
}

export function addExtensionSliceUrls(elements: ElementDefinition[]): ElementDefinition[] {
  const result: ElementDefinition[] = [];
  elements.forEach((element, index) => {
    result.push(element);
    const profileUrl = element.type?.length === 1 && element.type[0].code === 'Extension' ? element.type[0].profile?.[0] : undefined;
    const hasChildren = elements[index + 1]?.id?.startsWith(`${element.id}.`);
    if (element.sliceName && profileUrl && !hasChildren) {
      result.push({
        id: `${element.id}.url`,
        path: `${element.path}.url`,
        min: 1,
        max: '1',
        base: { path: 'Extension.url', min: 1, max: '1' },
        type: [{ code: 'uri' }],
        fixedUri: profileUrl,
      });
    }
  });
  return result;
}

/** Whether an element repeats in its base definition (medplum's `isArray`). */
export function isRepeating(element: ElementDefinition): boolean {
  const max = element.base?.max ?? element.max;
  return max === '*' || Number(max) > 1;
}

const FIXED_OR_PATTERN = /^(fixed|pattern)[A-Z]/;

export function dropRepeatingFixedAndPatterns(elements: ElementDefinition[]): ElementDefinition[] {
  return elements.map((element) => (element.sliceName || !isRepeating(element) ? element : withoutFixedAndPattern(element)));
}

/** True for a BackboneElement-typed element: its children are an inner type of the resource. */
export function isBackbone(element: ElementDefinition): boolean {
  return !!element.type?.some((t) => t.code === 'BackboneElement');
}

/**
 * Inside backbone elements: slices get 0..*, other elements min at most 1, the base's max, and no
 * fixed/pattern value (4. above). A slice's own children are left alone: medplum matches values to
 * slices with them. So are the counts of slices profileChecks.ts cannot match values to (a `type`
 * discriminator): medplum's report of them lacks the index, but is better than none.
 */
export function relaxInsideBackbones(elements: ElementDefinition[]): ElementDefinition[] {
  const backbones = new Set(elements.filter(isBackbone).map((e) => e.id ?? ''));
  const byId = new Map(elements.map((e) => [e.id ?? '', e]));
  const countedByProfileChecks = (slice: ElementDefinition) => {
    const id = slice.id ?? '';
    const discriminators = byId.get(id.slice(0, id.lastIndexOf(':')))?.slicing?.discriminator ?? [];
    return discriminators.every((d) => d.type === 'value' || d.type === 'pattern');
  };
  return elements.map((element) => {
    const segments = (element.id ?? '').split('.');
    const inBackbone = segments.slice(1, -1).some((_, i) => backbones.has(segments.slice(0, i + 2).join('.')));
    if (!inBackbone || segments.slice(0, -1).some((s) => s.includes(':'))) return element;
    if (element.sliceName) return countedByProfileChecks(element) ? { ...element, min: 0, max: '*' } : element;
    const relaxed = withoutFixedAndPattern(element);
    return { ...relaxed, min: Math.min(element.min ?? 0, 1), max: element.base?.max ?? element.max };
  });
}

function withoutFixedAndPattern(element: ElementDefinition): ElementDefinition {
  const keys = Object.keys(element).filter((k) => FIXED_OR_PATTERN.test(k));
  if (keys.length === 0) return element;
  const copy: Record<string, unknown> = { ...element };
  keys.forEach((k) => delete copy[k]);
  return copy as unknown as ElementDefinition;
}
