/**
 * A postcode written as Royal Mail prints it: capitals, one space before the inward code
 * ("wx35lb" -> "WX3 5LB"). A value that is not shaped like a UK postcode is kept as written.
 */
export function tidyPostcode(written: string): string {
  const compact = written.replace(/\s+/g, '').toUpperCase();
  const parts = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/.exec(compact);
  return parts ? `${parts[1]} ${parts[2]}` : written.trim().replace(/\s+/g, ' ');
}
