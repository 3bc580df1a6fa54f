/** A person's or worker's name parts, lower-cased: what name searches match by prefix. */
export const lowerParts = (given: string[], family: string) => [...given, family].map((p) => p.toLowerCase());
/** Family name first, then given names, as written: what :exact name searches compare with. */
const NAME_PARTS_EXACT = `(ARRAY[family_name] || ARRAY(SELECT jsonb_array_elements_text(given_names)))`;
/** The name field of people and workers: any part, lower-cased or as written. */
export const NAME = { kind: 'text', lower: 'name_parts', exact: NAME_PARTS_EXACT, array: true } as const;
