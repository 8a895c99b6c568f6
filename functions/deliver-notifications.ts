/** Consumes the table's change stream beside the topic's publisher: each committed change, to the feeds it concerns. */
import { FanOut } from '#shared/core/fan-out';
import { deliverNotifications } from '#shared/deliver-notifications';
import { vaultFromEnvironment } from '#shared/runtime';

export const handler = deliverNotifications(vaultFromEnvironment({ fanOut: FanOut }).fanOut);
