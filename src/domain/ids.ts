/**
 * The one shape of an id the facade keeps or accepts (a FHIR logical id): letters, digits, '-' and
 * '.', 1 to 64 characters. Patterns that find an id inside a reference are built from ID_CHARS.
 */
export const ID_CHARS = '[A-Za-z0-9\\-.]{1,64}';
export const ID = new RegExp(`^${ID_CHARS}$`);
