import { CldReader } from '../../src/import/cld/cldReader';
import { COUNCIL, facts, generatedReturn, readWith, rejects, TODAY } from '../fixtures/cld/cldFiles';

describe('a CLD return of ten thousand rows', () => {
  it('reads without rejects, one fact per row', async () => {
    const reader = new CldReader({ councilLaCode: COUNCIL, today: TODAY });
    const items = await readWith(reader, 'generated.csv', generatedReturn(10_000));
    expect(rejects(items)).toEqual([]);
    const rows = facts(items);
    expect(rows).toHaveLength(10_000);
    expect(rows.filter((r) => r.carePackage).length).toBe(3334);
    expect(rows.filter((r) => r.assessment?.kind === 'review').length).toBe(3333);
    expect(new Set(rows.map((r) => r.person.id)).size).toBe(3334);
    expect(rows[9_999].at).toEqual({ file: 'generated.csv', line: 10_001 });
    expect(reader.stats).toEqual({ rows: 10_000, rejected: 0 });
  });
});
