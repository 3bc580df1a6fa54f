import { Communication } from '@medplum/fhirtypes';
import { NotificationForm } from '../audit/accessNotifier';
import { AccessNotification } from '../domain/audit';
import {
  ACCESS_NOTIFICATION_SYSTEM,
  COMMUNICATION_CATEGORY_SYSTEM,
  NHS_NUMBER_SYSTEM,
  ODS_ORGANIZATION_SYSTEM,
  PROFILES,
} from './systems';

/*
 * The FHIR shape of an access notification: a Communication to the worker's PractitionerRole (or
 * the team's Organization). Who is told, and when, is the audit layer's (audit/accessNotifier.ts).
 */

export const ACCESS_NOTIFICATION = { system: COMMUNICATION_CATEGORY_SYSTEM, code: 'access-notification', display: 'Record access notification' };
/** What the code means, for its CodeSystem (tools/conformance/terminology.ts). */
export const ACCESS_NOTIFICATION_DEFINITION =
  'A notice to council staff that someone outside the council looked at the record of a person they are responsible for, ' +
  'or tried to look at a restricted one (the CP-IS pattern).';

/** An access notification as a Communication, as it is stored and served. */
export function accessNotificationCommunication(n: AccessNotification): Communication {
  const who = `${n.clientId}${n.organization ? ` (organisation ${n.organization})` : ''}`;
  const when = `${n.sent.slice(0, 16).replace('T', ' ')} UTC`;
  const what = n.restricted
    ? `tried to look up ${n.personName}'s restricted record at ${when}; nothing was disclosed and they were told to call the council`
    : `looked at ${n.personName}'s social care record at ${when} (the first look by this client today)`;
  return {
    resourceType: 'Communication',
    meta: { profile: [PROFILES.AccessNotification] },
    identifier: [{ system: ACCESS_NOTIFICATION_SYSTEM, value: n.key }],
    status: 'completed',
    category: [{ coding: [ACCESS_NOTIFICATION] }],
    priority: n.restricted ? 'urgent' : 'routine',
    subject: {
      reference: `Patient/${n.personId}`,
      ...(n.nhsNumber ? { identifier: { system: NHS_NUMBER_SYSTEM, value: n.nhsNumber } } : {}),
    },
    recipient: [{ reference: n.recipient }],
    sender: { identifier: { system: ODS_ORGANIZATION_SYSTEM, value: n.councilOds } },
    sent: n.sent,
    payload: [{ contentString: `${who} ${what}.` }],
  };
}

/** How the audit layer's notifier writes a notification down: as this Communication. */
export const accessNotificationForm: NotificationForm = {
  keySystem: ACCESS_NOTIFICATION_SYSTEM,
  document: (n) => accessNotificationCommunication(n) as unknown as Record<string, unknown>,
};
