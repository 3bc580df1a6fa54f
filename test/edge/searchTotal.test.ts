/** Bundle.total is the number of matches, whichever page is asked for, even one past the last. */
import { startTestApp, TestApp } from '../support/app';
import { DRIVERS } from '../support/stores';

describe.each(DRIVERS)('search total (%s)', (driver) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(driver);
  });
  afterAll(() => t.close());

  it.each([['_offset=10000'], ['_offset=500&_count=5'], ['_offset=7'], ['_offset=2&_count=2'], ['']])(
    'Patient?name=a&%s as the council: total is the number of matches',
    async (paging) => {
      const council = await t.as('test-social-care');
      const counted = await council(t.http.get('/fhir/Patient?name=a&_summary=count'));
      expect(counted.status).toBe(200);
      const matches = counted.body.total as number;
      expect(matches).toBeGreaterThan(2);
      const res = await council(t.http.get(`/fhir/Patient?name=a&${paging}`));
      expect(res.status).toBe(200);
      const shown = (res.body.entry ?? []).filter((e: { search?: { mode: string } }) => e.search?.mode === 'match').length;
      // A page with a next link may leave the total out; any total given is the true one.
      if (res.body.total !== undefined || !res.body.link.some((l: { relation: string }) => l.relation === 'next')) expect(res.body.total).toBe(matches);
      const offset = Number(/_offset=(\d+)/.exec(paging)?.[1] ?? 0);
      expect(shown).toBe(Math.max(0, Math.min(matches - offset, Number(/_count=(\d+)/.exec(paging)?.[1] ?? 20))));
    },
  );
});
