/**
 * Two FHIR clients integrators use, fhir-kit-client and @medplum/core's MedplumClient, against a
 * listening facade: read, search, and paging through a search with the links the facade gives. A
 * hospital's client reads and looks a person up; the council's client pages through its register.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { MedplumClient } from '@medplum/core';
import { Client } from 'fhir-kit-client';
import { startTestApp, TestApp } from '../support/app';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

describe('FHIR clients against a running facade', () => {
  let t: TestApp;
  let server: http.Server;
  let root: string;

  beforeAll(async () => {
    // The facade's public base is where it listens, so the paging links it writes lead back to it.
    const port = await freePort();
    root = `http://127.0.0.1:${port}`;
    t = await startTestApp('pglite', {}, { PUBLIC_BASE_URL: root });
    server = http.createServer(t.app).listen(port, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const kit = async (clientId: string) => new Client({ baseUrl: `${root}/fhir`, bearerToken: await t.token(undefined, clientId) });
  const medplum = async (clientId: string) => {
    const client = new MedplumClient({ baseUrl: `${root}/`, fhirUrlPath: 'fhir', fetch: globalThis.fetch, cacheTime: 0 });
    client.setAccessToken(await t.token(undefined, clientId));
    return client;
  };

  it('fhir-kit-client: a hospital reads a person and looks one up by NHS number; the council pages through its register', async () => {
    const hospital = await kit('sandbox-epr-rx1');
    const barbara = (await hospital.read({ resourceType: 'Patient', id: 'WXB-100001' })) as unknown as Patient;
    expect(barbara.name?.[0].family).toBe('Thornton');
    const found = (await hospital.search({ resourceType: 'Patient', searchParams: { identifier: `${NHS}|9990000018` } })) as unknown as Bundle;
    expect(found.entry?.map((e) => e.resource?.id)).toEqual(['WXB-100001']);

    const council = await kit('sandbox-council-mosaic');
    let page = (await council.search({ resourceType: 'Patient', searchParams: { _count: 10 } })) as unknown as Bundle | undefined;
    const seen: string[] = [];
    while (page) {
      seen.push(...(page.entry ?? []).map((e) => e.resource!.id!));
      page = (await council.nextPage({ bundle: page as never })) as unknown as Bundle | undefined;
    }
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it("MedplumClient: a hospital reads and searches; the council pages through its register with the client's own paging", async () => {
    const hospital = await medplum('sandbox-epr-rx1');
    const barbara = await hospital.readResource('Patient', 'WXB-100001');
    expect(barbara.birthDate).toBe('1941-06-14');
    const found = await hospital.searchResources('CarePlan', { 'patient.identifier': `${NHS}|9990000018` });
    expect(found.map((p) => p.id)).toEqual(['PKG-0001']);

    const council = await medplum('sandbox-council-mosaic');
    const seen: string[] = [];
    for await (const page of council.searchResourcePages('Patient', { _count: '10' })) seen.push(...page.map((p) => p.id!));
    expect(seen.length).toBeGreaterThan(10);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = http.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => probe.once('listening', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
