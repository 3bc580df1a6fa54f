import { join, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Some checks are the compiler's: a misspelt criterion field or column name must fail to compile
 * (criteriaTypes.test.ts and columnTypes.test.ts hold them as `@ts-expect-error` lines). Jest only
 * transpiles, so those files are compiled here with the project's settings: an `@ts-expect-error`
 * the compiler no longer needs (a check that stopped refusing) is an error, and fails this test.
 */
const ROOT = resolve(__dirname, '../..');
const FILES = ['criteriaTypes.test.ts', 'columnTypes.test.ts'].map((f) => join(__dirname, f));

it('the compile-time refusals still refuse (and what should compile does)', () => {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram(FILES, { ...options, noEmit: true });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file && FILES.includes(resolve(d.file.fileName)))
    .map((d) => `${d.file!.fileName}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  expect(problems).toEqual([]);
}, 120_000);
