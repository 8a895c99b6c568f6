/**
 * What the page offers a role, from the contract's "Who may do what" table. Pure (no DOM):
 * unit-tested in Node. The server still decides: a refused call shows its error.
 */
import type { Role } from '../../shared/model';

export interface Abilities {
  /** Check out, check in, add, undo, move, delete, restore, revert. */
  edit: boolean;
  /** Release a version for the machines, and withdraw it. */
  release: boolean;
  breakLocks: boolean;
  /** The shop floor's view: released versions only, nothing to change. */
  releasedOnly: boolean;
}

export const abilitiesOf = (role: Role): Abilities => ({
  edit: role === 'programmers' || role === 'leads' || role === 'admins',
  release: role === 'leads' || role === 'admins',
  breakLocks: role === 'admins',
  releasedOnly: role === 'operators',
});

const ROLE_NAMES: Record<Role, string> = {
  admins: 'admin',
  leads: 'lead',
  programmers: 'programmer',
  operators: 'operator',
  none: 'no role',
};

/** "lead" for `leads`: how the header names the caller's role. */
export const roleName = (role: Role): string => ROLE_NAMES[role];
