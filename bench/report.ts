import type { FrontDoor, Report } from './reportData';
import { statusText, WriteFigures } from './writes';

const n0 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : Math.round(x).toLocaleString('en-GB'));
const n2 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));
const ms = (x: number | undefined) => (x === undefined ? '–' : `${x} ms`);
const sec = (x: number | undefined) => (x === undefined ? '–' : `${(x / 1000).toFixed(1)} s`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'met' : '**not met**');

/** The Markdown table written to bench/results/latest.md and quoted in the README. */
export function markdownReport(r: Report): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(
    `### Benchmark, ${r.date.slice(0, 16).replace('T', ' ')} UTC (${r.settings.startupOnly ? 'start-up only' : r.settings.importsOnly ? 'imports only' : r.settings.writesOnly ? `writes only, ${r.mode}` : r.mode}, ${r.driver === 'both' ? 'embedded store and PostgreSQL' : r.driver === 'pglite' ? 'embedded store' : 'PostgreSQL'})`,
  );
  lines.push('');
  lines.push(
    `Machine: ${m.cores} × ${m.cpus}, ${m.memoryGb} GB, ${m.os}, Node ${m.node}; load generator (autocannon) on the same machine; ` +
      `load average at the start ${m.loadAverage.join(' ')}.` +
      (r.settings.startupOnly || r.settings.importsOnly || r.settings.writesOnly
        ? ''
        : ` Front door: ${r.settings.connections} connections, ${r.settings.rounds} alternating rounds of ${r.settings.roundSeconds} s, ` +
          `rotating over ${n0(r.settings.rotation)} NHS numbers, bearer token and access checks on.`),
  );
  lines.push('');
  if (r.startup) {
    const st = r.startup;
    const cpu = (x: number | undefined) => (x === undefined ? '' : ` (CPU ${sec(x)})`);
    lines.push(`| Start-up of the sandbox (\`node dist/main.js\`, ${st.store}; load average ${st.loadAverage}) | Spawn to the first 200 from \`/fhir/metadata\` | Target |`);
    lines.push('|---|---:|---|');
    lines.push(`| First start: empty store, sandbox fixtures | ${sec(st.firstStartMs)}${cpu(st.firstStartCpuMs)} | ≤ 10 s: ${verdict(st.firstStartMs <= 10_000)} |`);
    lines.push(`| Restart on the store it left | ${sec(st.restartMs)}${cpu(st.restartCpuMs)} | ≤ 5 s: ${verdict(st.restartMs <= 5_000)} |`);
    lines.push('');
  }
  if (r.imports) {
    const im = r.imports;
    const ratio = im.idle && im.during ? im.during.p99 / Math.max(1, im.idle.p99) : undefined;
    lines.push(`| The council's files in (${im.store}; ${n0(im.rows)} CLD rows, ${n0(im.people)} people) | Measured | Target |`);
    lines.push('|---|---:|---|');
    lines.push(`| First import into an empty store (\`npm run import -- cld … --direct\`) | ${sec(im.firstMs)} (${n0(im.rows / (im.firstMs / 1000))} rows/s) | 1,000,000 rows ≤ 60 s: ${verdict(im.rows >= 1_000_000 ? im.firstMs <= 60_000 : undefined)} |`);
    lines.push(`| Its peak RSS | ${n0(im.firstPeakRssMb)} MB | ≤ 400 MB: ${verdict(im.firstPeakRssMb === undefined ? undefined : im.firstPeakRssMb <= 400)} |`);
    lines.push(`| The same file again (nothing changes) | ${sec(im.againMs)} | |`);
    lines.push(`| ${n0(im.changedRows)} service rows changed (1 %) | ${sec(im.changedMs)} | ≤ 20 s at 1,000,000 rows: ${verdict(im.rows >= 1_000_000 ? im.changedMs <= 20_000 : undefined)} |`);
    if (im.idle && im.during) {
      lines.push(`| Front door p99 idle / during an import over HTTP (${sec(im.duringImportMs)}) | ${im.idle.p99} / ${im.during.p99} ms (×${n2(ratio)}) | ≤ 3×: ${verdict(ratio! <= 3)} |`);
    }
    lines.push('');
    for (const note of im.notes) lines.push(`- ${note}`);
    if (im.notes.length) lines.push('');
  }
  if (r.writes?.length) writesTable(r.writes, lines);
  if (r.frontDoor.length === 0) {
    for (const note of r.notes) lines.push(`- ${note}`);
    return lines.join('\n') + '\n';
  }
  const small = r.frontDoor[0] as FrontDoor | undefined;
  const large = r.frontDoor[1] as FrontDoor | undefined;
  lines.push(`| Front door: \`Patient?identifier=…&_revinclude=CarePlan:subject&_revinclude=Flag:subject\` | ${r.frontDoor.map((f) => `${n0(f.people)} people`).join(' | ')} | Target |`);
  lines.push(`|---|${r.frontDoor.map(() => '---:').join('|')}|---|`);
  const row = (name: string, f: (x: FrontDoor) => string, target = '') => lines.push(`| ${name} | ${r.frontDoor.map(f).join(' | ')} | ${target} |`);
  row('Facade, req/s (2xx)', (x) => n0(x.rpsFacade));
  row('Bare Express 5, same body size, req/s', (x) => n0(x.rpsBare));
  row('**Ratio facade / bare**', (x) => `**${n2(x.ratio)}**`, `≥ 0.75: ${r.frontDoor.map((x) => verdict(x.ratio >= 0.75)).join(', ')}`);
  row('Facade latency p50 / p99', (x) => `${x.p50} / ${x.p99} ms`, `p99 ≤ 20 ms: ${r.frontDoor.map((x) => verdict(x.p99 <= 20)).join(', ')}`);
  row('Bare latency p50 / p99', (x) => `${x.bareP50} / ${x.bareP99} ms`);
  row('Response body (mean)', (x) => `${n0(x.bodyBytes)} B`);
  row('Facade RSS: ready / after the load (peak)', (x) => `${n0(x.idleRssMb)} / ${n0(x.rssMb)} MB (${n0(x.peakRssMb)} MB)`, large ? `≤ 300 MB at 1M: ${verdict((large.peakRssMb ?? Infinity) <= 300)}` : '≤ 300 MB at 1M');
  row('Ready (`node dist/main.js`, existing store)', (x) => sec(x.readyMs), `≤ 5 s: ${r.frontDoor.map((x) => verdict((x.readyMs ?? Infinity) <= 5000)).join(', ')}`);
  if (r.frontDoor.some((x) => x.wholePicture)) {
    row('The whole A&E picture in one request (`…&_include:iterate=CarePlan:performer&…`): req/s', (x) => n0(x.wholePicture?.rps));
    row('The whole picture: latency p50 / p99', (x) => (x.wholePicture ? `${x.wholePicture.p50} / ${x.wholePicture.p99} ms` : '–'));
  }
  if (r.frontDoor.some((x) => x.uncached)) {
    row('Lookup cache off (`LOOKUP_CACHE_SECONDS=0`): req/s', (x) => n0(x.uncached?.rps));
    row('Lookup cache off: latency p50 / p99', (x) => (x.uncached ? `${x.uncached.p50} / ${x.uncached.p99} ms` : '–'));
  }
  if (small && large) {
    const ratios = (a: { p50: number; p99: number }, b: { p50: number; p99: number }) => [a.p50 / b.p50, a.p99 / b.p99];
    const [p50, p99] = ratios(large, small);
    lines.push(`| Latency at ${n0(large.people)} / at ${n0(small.people)} (p50, p99) | ${n2(p50)}, ${n2(p99)} | | ≤ 1.25: ${verdict(Math.max(p50, p99) <= 1.25)} |`);
    if (large.uncached && small.uncached) {
      const [u50, u99] = ratios(large.uncached, small.uncached);
      lines.push(`| The same, lookup cache off (p50, p99) | ${n2(u50)}, ${n2(u99)} | | ≤ 1.25: ${verdict(Math.max(u50, u99) <= 1.25)} |`);
    }
  }
  lines.push('');
  lines.push('| Other | Value | Target |');
  lines.push('|---|---:|---|');
  if (r.notices && 'skipped' in r.notices) lines.push(`| Notice intake (POST Communication) | skipped: ${r.notices.skipped.replace(/\|/g, '/')} | ≥ 500/s |`);
  else if (r.notices) {
    lines.push(
      `| Notice intake, committed/s (${r.notices.connections} connections; p50 / p99) | ${n0(r.notices.rps)} (${r.notices.p50} / ${r.notices.p99} ms)${r.notices.non2xx ? `, ${r.notices.non2xx} non-2xx` : ''} | ≥ 500/s: ${verdict(r.notices.rps >= 500)} |`,
    );
  }
  if (r.token) {
    lines.push(
      `| Token endpoint, tokens/s (${r.token.connections} connections; p50 / p99) | ${n0(r.token.rps)} (${r.token.p50} / ${r.token.p99} ms)${r.token.non2xx ? `, ${r.token.non2xx} non-2xx` : ''} | |`,
    );
  }
  if (small?.firstStartMs !== undefined) lines.push(`| First start on an empty store, loading ${n0(small.people)} synthetic people | ${sec(small.firstStartMs)} | |`);
  if (r.npmStartReadyMs !== undefined) lines.push(`| \`npm start\` (TypeScript build + start) on the existing ${n0(large?.people)}-person store | ${sec(r.npmStartReadyMs)} | ≤ 5 s: ${verdict(r.npmStartReadyMs <= 5000)} |`);
  if (r.generation) {
    lines.push(
      `| Generating ${n0(r.generation.people)} people (\`npm run generate\`) | ${r.generation.cached ? `cached (${r.generation.where})` : `${r.generation.seconds} s into ${r.generation.where}`} | minutes |`,
    );
  }
  lines.push('');
  for (const note of r.notes) lines.push(`- ${note}`);
  return lines.join('\n') + '\n';
}

/** One column per store: the council's writes, and the front door beside them. */
function writesTable(ws: WriteFigures[], lines: string[]) {
  const w0 = ws[0];
  const row = (name: string, f: (w: WriteFigures) => string) => lines.push(`| ${name} | ${ws.map(f).join(' | ')} |`);
  const seconds = Math.round(w0.conditional?.seconds ?? 0);
  const bundles = w0.transactions?.bundles ?? 0;
  lines.push(`| The council's writes (\`sandbox-council-mosaic\`, sandbox data; lookup cache off) | ${ws.map((w) => w.store).join(' | ')} |`);
  lines.push(`|---|${ws.map(() => '---:').join('|')}|`);
  row(`Conditional updates \`PUT CarePlan?identifier=…\` (${w0.conditional?.concurrency ?? 8} in flight, ~${seconds} s): writes/s (2xx)`, (w) => `**${n0(w.conditional?.rps)}**`);
  row('Their latency p50 / p99', (w) => (w.conditional ? `${w.conditional.p50} / ${w.conditional.p99} ms` : '–'));
  row('Their answers (201 new, 200 changed)', (w) => (w.conditional ? statusText(w.conditional.statuses) + (w.conditional.errors ? `, ${w.conditional.errors} unanswered` : '') : '–'));
  row(`Transaction Bundles of ${w0.transactions?.entries ?? 100} entries (50 Patients + 50 CarePlans by urn:uuid), ${bundles} in turn: s per Bundle after the first, median (max)`, (w) =>
    w.transactions ? `**${n2(w.transactions.medianSeconds)}** (${n2(w.transactions.maxSeconds)}) s` : '–',
  );
  row('Their entries/s; Bundles applied', (w) => (w.transactions ? `**${n0(w.transactions.entriesPerSecond)}**; ${w.transactions.ok} of ${w.transactions.bundles}` : '–'));
  row('The first Bundle after the start', (w) => (w.transactions ? `${n2(w.transactions.firstSeconds)} s` : '–'));
  row('Front door (one NHS number, 8 connections): p99 idle', (w) => (w.frontDoorIdle ? `${w.frontDoorIdle.p99} ms (${n0(w.frontDoorIdle.rps)} req/s)` : '–'));
  row('Front door p99 beside the conditional updates', (w) => (w.frontDoorDuring ? `${w.frontDoorDuring.p99} ms (${n0(w.frontDoorDuring.rps)} req/s)` : '–'));
  row('**Ratio p99 beside / idle**', (w) => (w.frontDoorIdle && w.frontDoorDuring ? `**×${n2(w.frontDoorDuring.p99 / Math.max(1, w.frontDoorIdle.p99))}**` : '–'));
  row('Conditional updates/s beside the front door (p99)', (w) => (w.conditionalDuring ? `${n0(w.conditionalDuring.rps)} (${w.conditionalDuring.p99} ms)` : '–'));
  lines.push('');
  const notes = ws.flatMap((w) => w.notes);
  for (const note of notes) lines.push(`- ${note.replace(/\|/g, '/')}`);
  if (notes.length) lines.push('');
}
