/**
 * The floor: a bare Express 5 app answering the front-door path with a fixed body of the same size
 * as the facade's answer, with no auth, no database and no per-request work beyond Express's own.
 * Run as a child process by bench/run.ts: PORT and BODY_FILE in the environment.
 */
import express from 'express';
import fs from 'node:fs';

const body = fs.readFileSync(process.env.BODY_FILE!, 'utf8');
const app = express();
app.disable('x-powered-by');
// The facade sends no body-hash ETag on searches either; hashing every body would lower the floor.
app.set('etag', false);
app.get('/fhir/Patient', (_req, res) => {
  res.set('Content-Type', 'application/fhir+json; charset=utf-8').send(body);
});
app.get('/ready', (_req, res) => {
  res.send('ok');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
