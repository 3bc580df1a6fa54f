import { DATASET_PARTS } from '../src/domain/dataset';
import { datasetProblems } from '../src/domain/datasetCheck';
import { checkDigitFor, isValidNhsNumber, nhsNumberProblem } from '../src/domain/nhsNumber';
import { sandboxDataset } from './support/sandboxDataset';

describe('NHS number', () => {
  it('accepts numbers whose Modulus 11 check digit is right, with spaces or hyphens', () => {
    expect(isValidNhsNumber('9990000018')).toBe(true);
    expect(isValidNhsNumber('999 000 0018')).toBe(true);
    expect(isValidNhsNumber('999-000-0018')).toBe(true);
    expect(isValidNhsNumber('9434765919')).toBe(true);
  });

  it('says what is wrong with a bad one', () => {
    expect(nhsNumberProblem('9990000019')).toBe('bad-check-digit');
    expect(nhsNumberProblem('999000001')).toBe('not-ten-digits');
    expect(nhsNumberProblem('99900000AB')).toBe('not-ten-digits');
    // 999123456 gives a remainder of 1: check digit 10, never issued.
    expect(checkDigitFor('999123456')).toBe(-1);
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`999123456${d}`)).toBe(false);
  });
});

describe('dataset check', () => {
  let sandbox: any;
  beforeAll(async () => {
    sandbox = await sandboxDataset();
  }, 60_000);

  it('finds nothing wrong with the sandbox as imported, which covers the cases the README promises', () => {
    expect(datasetProblems(sandbox)).toEqual([]);
    expect(sandbox.people.length).toBeGreaterThanOrEqual(30);
    const barbara = sandbox.people.find((p: { nhsNumber?: string }) => p.nhsNumber === '9990000018');
    expect(barbara.givenNames).toEqual(['Barbara']);
    expect(Number(barbara.birthDate.slice(0, 4))).toBeLessThan(1946);
    const statuses = new Set(sandbox.carePackages.map((p: { status: string }) => p.status));
    expect([...statuses].sort()).toEqual(['active', 'ended', 'planned', 'suspended']);
    expect(sandbox.people.some((p: { restricted: boolean }) => p.restricted)).toBe(true);
    expect(sandbox.people.some((p: { nhsNumber?: string }) => !p.nhsNumber)).toBe(true);
    expect(sandbox.carePackages.some((p: { funding: string }) => p.funding === 'self-funded')).toBe(true);
    for (const p of sandbox.people) if (p.nhsNumber) expect(p.nhsNumber.startsWith('999')).toBe(true);
  });

  it('lists every problem in a broken dataset', () => {
    const broken = structuredClone(sandbox);
    broken.people[0].nhsNumber = '9990000019';
    broken.people[1].nhsNumber = broken.people[2].nhsNumber;
    broken.carePackages[0].providerId = 'NOPE';
    broken.carePackages[1].serviceType = 'spa-days';
    broken.safeguardingConcerns[0].personId = 'NOPE';
    const problems = datasetProblems(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/NHS number 9990000019: .*Modulus 11/),
        expect.stringMatching(/is used twice/),
        expect.stringMatching(/providerId NOPE is not a provider/),
        expect.stringMatching(/serviceType must be one of/),
        expect.stringMatching(/personId NOPE does not exist/),
      ]),
    );
    // One problem for each part missing, but the parts a dataset may leave out (carers and assessments).
    expect(datasetProblems({})).toEqual(DATASET_PARTS.filter((p) => p !== 'assessments' && p !== 'careRelationships').map((p) => `${p} must be an array`));
  });
});
