import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('has sandbox defaults: port 8080, embedded store under the project, sandbox fixtures', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.fhirBaseUrl).toBe('http://localhost:8080/fhir');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.fixturesFile).toMatch(/fixtures\/sandbox\/dataset\.json$/);
    expect(c.embeddedSharedBuffersMb).toBe(32);
  });

  it('advertises the public base URL, not localhost, behind a proxy', () => {
    expect(loadConfig({ PUBLIC_BASE_URL: 'https://care.example.gov.uk/' }).fhirBaseUrl).toBe('https://care.example.gov.uk/fhir');
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://x@db/facade' });
    expect(c.databaseUrl).toBe('postgres://x@db/facade');
    expect(c.dataDir).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be a whole number/],
    [{ PUBLIC_BASE_URL: 'not a url' }, /PUBLIC_BASE_URL is not a URL/],
    [{ MAX_PAGE_SIZE: '0' }, /MAX_PAGE_SIZE/],
    [{ EMBEDDED_SHARED_BUFFERS_MB: '8' }, /EMBEDDED_SHARED_BUFFERS_MB must be a whole number from 16/],
  ])('refuses %p with a clear message', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
