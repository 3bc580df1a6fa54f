/**
 * The identifier systems people are known by, here at the bottom so that every layer (the audit
 * trail as much as FHIR) names them the same way. Our canonical base is stable and independent of
 * where an instance runs.
 */
export const CANONICAL_BASE = 'https://fhir.social-care-facade.uk';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
/** The council's own person id (LA Person Unique Identifier): the reference staff quote. */
export const SOCIAL_CARE_REFERENCE_SYSTEM = `${CANONICAL_BASE}/Id/social-care-reference`;
