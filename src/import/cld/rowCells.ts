import { CldColumn, NORMALISED } from './cldColumns';
import { Parsed } from './cldFieldValues';
import { Coded } from './codeList';

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

/**
 * One row's cells, read column by column: each read that fails adds its reason to the row's
 * problems and gives undefined, so that a row is checked whole and every fault is reported.
 */
export class RowCells {
  readonly problems: RowProblem[] = [];

  constructor(
    private readonly values: ReadonlyMap<string, string>,
    readonly ctx: RowContext,
  ) {}

  /** The cell as written (trimmed), '' when blank or when the file has no such column. */
  get(column: CldColumn): string {
    return this.values.get(NORMALISED[column]) ?? '';
  }

  name(column: CldColumn): string {
    return this.ctx.columnName(column);
  }

  refuse(problem: RowProblem): void {
    this.problems.push(problem);
  }

  /** A coded cell's entry in its list; a value in no list is refused. */
  coded<T>(column: CldColumn, list: { find(value: string): Coded<T> | undefined }): Coded<T> | undefined {
    const value = this.get(column);
    if (value === '') return undefined;
    const found = list.find(value);
    if (!found) this.refuse({ column, value, reason: `"${value}" is not a value of ${this.name(column)} in either release of the return` });
    return found;
  }

  /** A cell read by its parser; a value it cannot read is refused with the parser's reason. */
  parsed<T>(column: CldColumn, parse: (value: string) => Parsed<T>): T | undefined {
    const value = this.get(column);
    if (value === '') return undefined;
    const result = parse(value);
    if ('problem' in result) {
      this.refuse({ column, value, reason: `${this.name(column)}: ${result.problem}` });
      return undefined;
    }
    return result.ok;
  }
}
