/** How sizes, times and locks read in one line. */
import type { Lock } from '#shared/model';

export const humanBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
};

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** An ISO time as "YYYY-MM-DD HH:MM" in the local time zone. */
export const shortTime = (iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
};

/** 'X is checked out by alice since 2025-… ("new roughing")': the holder first, as a programmer asks. */
export const describeLock = (lock: Lock): string =>
  `${lock.name} is checked out by ${lock.user} since ${shortTime(lock.acquiredAt)}${lock.message ? ` ("${lock.message}")` : ''}`;
