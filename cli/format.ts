/** How sizes, times and locks read in one line. */

import { humanBytes, shortTime } from '#shared/display';
import type { Lock } from '#shared/model';

export { humanBytes, shortTime };

/** 'X is checked out by alice since 2025-… ("new roughing")': the holder first, as a programmer asks. */
export const describeLock = (lock: Lock): string =>
  `${lock.name} is checked out by ${lock.user} since ${shortTime(lock.acquiredAt)}${lock.message ? ` ("${lock.message}")` : ''}`;
