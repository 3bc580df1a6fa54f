import { CldColumn } from './cldColumns';

/** One reason a row is refused: the column at fault (when one is) and its value as written. */
export interface RowProblem {
  column?: CldColumn;
  value?: string;
  reason: string;
}

export interface RowContext {
  councilLaCode: string;
  today: string;
  /** The column as the file spells it, for reasons. */
  columnName(column: CldColumn): string;
}

