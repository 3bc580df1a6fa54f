import NodeCache from 'node-cache';
import { Communication } from '@medplum/fhirtypes';
import { fullName, Person } from '../domain/person';
import { insertNotifications, StoredNotification } from '../store/notificationStore';
import { Store } from '../store/store';
import { Caller } from '../access/context';
import {
  ACCESS_NOTIFICATION_SYSTEM,
  COMMUNICATION_CATEGORY_SYSTEM,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILES,
} from './systems';

export const ACCESS_NOTIFICATION = { system: COMMUNICATION_CATEGORY_SYSTEM, code: 'access-notification', display: 'Record access notification' };
/** What the code means, for its CodeSystem (tools/conformance/terminology.ts). */
export const ACCESS_NOTIFICATION_DEFINITION =
  'A notice to council staff that someone outside the council looked at the record of a person they are responsible for, ' +
  'or tried to look at a restricted one (the CP-IS pattern).';

/**
 * Tells the council's staff when someone outside the council looks at a person they are responsible
 * for (the CP-IS pattern): a Communication to the allocated worker's PractitionerRole, at most one
 * per client, person and day. A look at a restricted record is notified to the worker or, without
 * one, the responsible team.
 */
export class AccessNotifier {
  /** Keys already recorded today by this instance: saves the database a no-op insert per lookup. */
  private readonly done = new NodeCache({ stdTTL: 26 * 3600, checkperiod: 3600, useClones: false });

  constructor(
    private readonly store: Store,
    private readonly councilOds: string,
  ) {}

  async notify(caller: Caller | undefined, seen: string[], withheld: string[], at = new Date()): Promise<void> {
    if (!caller || caller.organization === this.councilOds) return;
    const day = at.toISOString().slice(0, 10);
    const keyOf = (personId: string) => `${caller.clientId}|${personId}|${day}`;
    const wanted = [...new Set([...seen, ...withheld])].filter((id) => !this.done.has(keyOf(id)));
    if (wanted.length === 0) return;
    const restricted = new Set(withheld);
    const people = await this.store.getMany('person', wanted);
    const notifications: StoredNotification[] = [];
    for (const { record: person } of people) {
      const recipient = person.allocatedWorkerId
        ? `PractitionerRole/${person.allocatedWorkerId}`
        : restricted.has(person.id) && person.responsibleTeamId
          ? `Organization/${person.responsibleTeamId}`
          : undefined;
      if (!recipient) continue;
      notifications.push({
        key: { system: ACCESS_NOTIFICATION_SYSTEM, value: keyOf(person.id) },
        personId: person.id,
        nhsNumber: person.nhsNumber,
        senderOds: this.councilOds,
        recipient,
        sent: at.toISOString(),
        document: notificationDocument(person, caller, recipient, restricted.has(person.id), at, keyOf(person.id), this.councilOds),
      });
    }
    await insertNotifications(this.store.db, notifications);
    for (const id of wanted) this.done.set(keyOf(id), true);
  }
}

function notificationDocument(
  person: Person,
  caller: Caller,
  recipient: string,
  restricted: boolean,
  at: Date,
  key: string,
  councilOds: string,
): Record<string, unknown> {
  const who = `${caller.clientId}${caller.organization ? ` (organisation ${caller.organization})` : ''}`;
  const when = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const what = restricted
    ? `tried to look up ${fullName(person)}'s restricted record at ${when}; nothing was disclosed and they were told to call the council`
    : `looked at ${fullName(person)}'s social care record at ${when} (the first look by this client today)`;
  const communication: Communication = {
    resourceType: 'Communication',
    meta: { profile: [PROFILES.AccessNotification] },
    identifier: [{ system: ACCESS_NOTIFICATION_SYSTEM, value: key }],
    status: 'completed',
    category: [{ coding: [ACCESS_NOTIFICATION] }],
    priority: restricted ? 'urgent' : 'routine',
    subject: {
      reference: `Patient/${person.id}`,
      ...(person.nhsNumber ? { identifier: { system: NHS_NUMBER_SYSTEM, value: person.nhsNumber } } : {}),
    },
    recipient: [{ reference: recipient }],
    sender: { identifier: { system: ODS_ORGANIZATION_SYSTEM, value: councilOds } },
    sent: at.toISOString(),
    payload: [{ contentString: `${who} ${what}.` }],
  };
  return communication as unknown as Record<string, unknown>;
}
