import NodeCache from 'node-cache';
import { AccessNotification } from '../domain/audit';
import { fullName, Person } from '../domain/person';
import { NotificationStore } from '../store/notificationStore';
import { Caller } from '../access/context';

/**
 * How a notification is written down for the staff told. The FHIR layer supplies it (a
 * Communication, fhir/accessNotifications.ts): audit sits below fhir and decides only who is told.
 */
export interface NotificationForm {
  /** The identifier system of the key (client|person|day) the store keeps notifications unique by. */
  keySystem: string;
  document(notification: AccessNotification): Record<string, unknown>;
}

export interface AccessNotifierOptions {
  /** The people looked at, by id (the allocated worker and responsible team are on the person). */
  people: (ids: string[]) => Promise<Person[]>;
  notifications: Pick<NotificationStore, 'insert'>;
  form: NotificationForm;
  councilOds: string;
}

/**
 * Tells the council's staff when someone outside the council looks at a person they are responsible
 * for (the CP-IS pattern): a notification to the allocated worker, at most one per client, person
 * and day. A look at a restricted record is notified to the worker or, without one, the
 * responsible team.
 */
export class AccessNotifier {
  /** Keys already recorded today by this instance: saves the database a no-op insert per lookup. */
  private readonly done = new NodeCache({ stdTTL: 26 * 3600, checkperiod: 3600, useClones: false });

  constructor(private readonly opts: AccessNotifierOptions) {}

  async notify(caller: Caller | undefined, seen: string[], withheld: string[], at = new Date()): Promise<void> {
    const { councilOds } = this.opts;
    if (!caller || caller.organization === councilOds) return;
    const day = at.toISOString().slice(0, 10);
    const keyOf = (personId: string) => `${caller.clientId}|${personId}|${day}`;
    const wanted = [...new Set([...seen, ...withheld])].filter((id) => !this.done.has(keyOf(id)));
    if (wanted.length === 0) return;
    const restricted = new Set(withheld);
    const notifications: AccessNotification[] = [];
    for (const person of await this.opts.people(wanted)) {
      const recipient = person.allocatedWorkerId
        ? `PractitionerRole/${person.allocatedWorkerId}`
        : restricted.has(person.id) && person.responsibleTeamId
          ? `Organization/${person.responsibleTeamId}`
          : undefined;
      if (!recipient) continue;
      notifications.push({
        key: keyOf(person.id),
        personId: person.id,
        nhsNumber: person.nhsNumber,
        personName: fullName(person),
        clientId: caller.clientId,
        organization: caller.organization,
        recipient,
        restricted: restricted.has(person.id),
        councilOds,
        sent: at.toISOString(),
      });
    }
    await this.opts.notifications.insert(
      notifications.map((n) => ({
        key: { system: this.opts.form.keySystem, value: n.key },
        personId: n.personId,
        nhsNumber: n.nhsNumber,
        senderOds: n.councilOds,
        recipient: n.recipient,
        sent: n.sent,
        document: this.opts.form.document(n),
      })),
    );
    for (const id of wanted) this.done.set(keyOf(id), true);
  }
}
