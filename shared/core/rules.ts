/** Folder rules, managed by admins, and who the caller is. */
import { forbidden, notFound } from '../errors';
import type { Caller, Me, Rule } from '../model';
import type { FolderPrefix } from '../names';
import { type CoreContext, MAX_ATTEMPTS } from './context';
import { ruleChanged } from './entries';
import { roleOf } from './permissions';

export class Rules {
  constructor(private readonly context: CoreContext) {}

  /** Who the server thinks the caller is: answered for every role, `none` included. */
  me(caller: Caller): Me {
    return {
      user: caller.user,
      role: roleOf(caller, this.context.config.defaultRole),
      groups: caller.groups,
    };
  }

  private requireAdmin(caller: Caller): void {
    if (roleOf(caller, this.context.config.defaultRole) !== 'admins')
      throw forbidden('folder rules are for admins');
  }

  /** Every rule, ordered by prefix (fresh: an admin sees what is in force). */
  async list(caller: Caller): Promise<Rule[]> {
    this.requireAdmin(caller);
    const book = await this.context.store.getRules();
    return [...book.rules.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, rule]) => rule);
  }

  async put(caller: Caller, prefix: FolderPrefix, read: string[], write: string[]): Promise<Rule> {
    this.requireAdmin(caller);
    const rule: Rule = { prefix: prefix.prefix, read, write };
    await this.change(caller, prefix, rule);
    return rule;
  }

  /** Removes the rule on `prefix`; one that is not there is 404. */
  async remove(caller: Caller, prefix: FolderPrefix): Promise<Rule> {
    this.requireAdmin(caller);
    return this.change(caller, prefix, null);
  }

  private async change(caller: Caller, prefix: FolderPrefix, rule: Rule | null): Promise<Rule> {
    const { store } = this.context;
    for (let attempt = 1; ; attempt++) {
      const book = await store.getRules();
      const existing = book.rules.get(prefix.key) ?? null;
      if (!rule && !existing) {
        throw notFound(`no rule on ${prefix.prefix}`);
      }
      const now = this.context.clock().toISOString();
      const entry = ruleChanged(this.context, {
        prefix: rule?.prefix ?? existing?.prefix ?? prefix.prefix,
        user: caller.user,
        read: rule?.read ?? null,
        write: rule?.write ?? null,
        at: now,
      });
      const result = await store.changeRule({ book, key: prefix.key, rule, entry });
      if (result.committed) {
        this.context.rules.remember(await store.getRules());
        return (rule ?? existing) as Rule;
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error('the rules kept changing under this change');
    }
  }
}
