import type { RowValues } from '../csvRows';
import { CONCERN_TYPES, ConcernStatus, ConcernType } from '../../domain/safeguarding';
import { describeNhsNumberProblem, nhsNumberProblem, normaliseNhsNumber } from '../../domain/nhsNumber';
import { ID } from '../../domain/ids';
import { NhsNumberVerification } from '../../domain/person';
import { normaliseHeader } from '../csvRows';
import { ImportReject } from '../importTypes';
import { isCqcLocationId } from '../cqc/cqcLocationId';
import { looksLikePhoneNumber, tidyUkPhoneNumber } from '../cqc/ukPhoneNumber';
import { ALLOCATIONS_COLUMNS, AllocationsColumn, RecordType } from './allocationsColumns';
import { readExtractDate } from './extractDates';

export type RowProblem = Pick<ImportReject, 'column' | 'value' | 'reason'>;

/** The extract's columns this file's header holds, each as the file spells it. */
export type HeaderColumns = ReadonlyMap<AllocationsColumn, { written: string; normalised: string }>;

/**
 * One row of the extract being read as one record type: each value is read, checked and turned into
 * the domain's form, and every problem is kept (a BI team fixes a row once, not once per problem).
 * A reader returns undefined for a value it refused.
 */
export class RowReading {
  readonly problems: RowProblem[] = [];

  constructor(
    private readonly values: RowValues,
    private readonly header: HeaderColumns,
    readonly recordType: RecordType,
  ) {}

  /** The column's name as the file spells it (the extract's own name when the file lacks it). */
  columnName(column: AllocationsColumn): string {
    return this.header.get(column)?.written ?? ALLOCATIONS_COLUMNS[column];
  }

  refuse(column: AllocationsColumn, value: string | undefined, reason: string): undefined {
    this.problems.push({ column: this.columnName(column), ...(value !== undefined && value !== '' ? { value } : {}), reason });
    return undefined;
  }

  /** The value as written (trimmed), or undefined when empty or the column is absent. */
  optional(column: AllocationsColumn): string | undefined {
    const heading = this.header.get(column);
    const value = heading ? (this.values.get(heading.normalised) ?? '') : '';
    return value === '' ? undefined : value;
  }

  required(column: AllocationsColumn): string | undefined {
    const value = this.optional(column);
    if (value !== undefined) return value;
    return this.header.has(column)
      ? this.refuse(column, undefined, `${withArticle(this.recordType)} row needs ${withArticle(ALLOCATIONS_COLUMNS[column])}`)
      : this.refuse(column, undefined, `the file has no "${ALLOCATIONS_COLUMNS[column]}" column, which ${withArticle(this.recordType)} row needs`);
  }

  id(column: AllocationsColumn, need: 'required' | 'optional'): string | undefined {
    const value = need === 'required' ? this.required(column) : this.optional(column);
    if (value === undefined || ID.test(value)) return value;
    return this.refuse(column, value, 'not a usable id: 1 to 64 letters, digits, hyphens and full stops, no spaces');
  }

  phone(column: AllocationsColumn, need: 'required' | 'optional'): string | undefined {
    const value = need === 'required' ? this.required(column) : this.optional(column);
    if (value === undefined) return undefined;
    if (!looksLikePhoneNumber(value)) return this.refuse(column, value, 'not a phone number: write it as dialled, e.g. 0115 496 0000');
    return tidyUkPhoneNumber(value);
  }

  email(column: AllocationsColumn): string | undefined {
    const value = this.optional(column);
    if (value === undefined || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return value;
    return this.refuse(column, value, 'not an e-mail address');
  }

  odsCode(column: AllocationsColumn): string | undefined {
    const value = this.optional(column);
    if (value === undefined) return undefined;
    if (/^[A-Za-z0-9]{3,10}$/.test(value)) return value.toUpperCase();
    return this.refuse(column, value, 'not an ODS code: 3 to 10 letters and digits');
  }

  cqcLocationId(column: AllocationsColumn): string | undefined {
    const value = this.required(column);
    if (value === undefined || isCqcLocationId(value)) return value;
    return this.refuse(column, value, 'not a CQC location id: they are written like 1-123456789');
  }

  nhsNumber(column: AllocationsColumn): string | undefined {
    const value = this.optional(column);
    if (value === undefined) return undefined;
    const problem = nhsNumberProblem(value);
    return problem ? this.refuse(column, value, describeNhsNumberProblem(problem)) : normaliseNhsNumber(value);
  }

  date(column: AllocationsColumn, need: 'required' | 'optional'): string | undefined {
    const value = need === 'required' ? this.required(column) : this.optional(column);
    if (value === undefined) return undefined;
    const read = readExtractDate(value);
    return 'date' in read ? read.date : this.refuse(column, value, read.problem);
  }

  yesNo(column: AllocationsColumn): boolean | undefined {
    const value = this.required(column);
    if (value === undefined) return undefined;
    const answer = YES_NO.get(value.toLowerCase());
    return answer ?? this.refuse(column, value, 'write Yes or No');
  }

  concernType(column: AllocationsColumn): ConcernType | undefined {
    const value = this.required(column);
    if (value === undefined) return undefined;
    const wanted = normaliseHeader(value);
    const code = (Object.keys(CONCERN_TYPES) as ConcernType[]).find(
      (type) => normaliseHeader(type) === wanted || normaliseHeader(CONCERN_TYPES[type]) === wanted,
    );
    return code ?? this.refuse(column, value, `not a concern type: write one of ${Object.values(CONCERN_TYPES).join('; ')} (or its code)`);
  }

  concernStatus(column: AllocationsColumn): ConcernStatus | undefined {
    const value = this.required(column);
    if (value === undefined) return undefined;
    const status = value.toLowerCase();
    return status === 'open' || status === 'closed' ? status : this.refuse(column, value, 'write open or closed');
  }

  /** A two-digit NHS number verification status (01 to 08). */
  verificationStatus(column: AllocationsColumn): NhsNumberVerification | undefined {
    const value = this.optional(column);
    if (value === undefined) return undefined;
    const code = VERIFICATION_STATUSES.find((c) => c === value);
    return code ?? this.refuse(column, value, `not an NHS number verification status: write its two-digit code, ${VERIFICATION_STATUSES[0]} to ${VERIFICATION_STATUSES.at(-1)}`);
  }

  /** A whole number from 1 to max (a count of visits, say). */
  count(column: AllocationsColumn, max: number): number | undefined {
    const value = this.optional(column);
    if (value === undefined) return undefined;
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    return n >= 1 && n <= max ? n : this.refuse(column, value, `not a whole number from 1 to ${max}`);
  }
}

const VERIFICATION_STATUSES: readonly NhsNumberVerification[] = ['01', '02', '03', '04', '05', '06', '07', '08'];

const YES_NO = new Map([
  ['yes', true],
  ['y', true],
  ['no', false],
  ['n', false],
]);

export function withArticle(word: string): string {
  return `${/^[aeiou]/i.test(word) ? 'an' : 'a'} ${word}`;
}
