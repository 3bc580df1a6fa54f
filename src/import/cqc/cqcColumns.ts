import { normaliseHeader } from '../csvRows';

/**
 * The columns read from CQC's two CSV shapes, under the names CQC publishes them with:
 * - the care directory ("care directory with filters" download): Name, Address (one cell, the
 *   town last), Postcode, Phone number, CQC Location ID (for office use only), ...;
 * - the active locations data file: Location ID, Location Name, Location Telephone Number,
 *   Location Street Address, Location Address Line 2, Location City, Location Postal Code, ...
 * Each field lists the names it is read from, first match wins. Every other column is ignored.
 */
export const CQC_COLUMNS = {
  locationId: ['CQC Location ID (for office use only)', 'Location ID', 'CQC Location ID'],
  name: ['Name', 'Location Name'],
  phone: ['Phone number', 'Location Telephone Number'],
  /** The directory's one-cell address: "Unit 4, Kingfisher Court, Mill Lane, Hallowfield". */
  address: ['Address'],
  addressLines: [['Location Street Address', 'Location Address Line 1'], ['Location Address Line 2'], ['Location Address Line 3']],
  city: ['Location City'],
  postcode: ['Postcode', 'Location Postal Code', 'Location Post Code'],
} as const;

export type CqcColumnNames = readonly string[];

/** The first of the names that the header holds, normalised, or undefined. */
export function columnAmong(normalisedHeader: ReadonlySet<string>, names: CqcColumnNames): string | undefined {
  return names.map(normaliseHeader).find((name) => normalisedHeader.has(name));
}

/** Whether a row's cells are CQC's header: one of them names the location id. */
export function isCqcHeader(normalisedCells: string[]): boolean {
  return columnAmong(new Set(normalisedCells), CQC_COLUMNS.locationId) !== undefined;
}
