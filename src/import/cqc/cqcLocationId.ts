/**
 * CQC location ids as CQC writes them: "1-" and the digits of the location (1-1000210669,
 * 1-101641426). Provider ids share the shape, so a provider id in the wrong column passes this
 * check; the import service finds it when no location answers to it.
 */
export const CQC_LOCATION_ID = /^1-\d{1,15}$/;

export function isCqcLocationId(value: string): boolean {
  return CQC_LOCATION_ID.test(value);
}
