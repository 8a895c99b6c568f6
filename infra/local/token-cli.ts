/**
 * `npm run token -- <user> [--admin] [--group NAME]… [--hours N]`: a local-mode token signed with
 * CAMVAULT_JWT_SECRET, its holder in the Cognito groups named (`--admin` is `--group admins`).
 */
import { DEFAULT_JWT_SECRET, devToken } from './jwt';

const USAGE =
  'usage: npm run token -- <user> [--admin] [--group leads|programmers|operators|NAME]… [--hours N]';

const args = process.argv.slice(2);
const valueAfter = (index: number): string | undefined => args[index + 1];
const positional = args.filter(
  (arg, index) => !arg.startsWith('--') && !['--group', '--hours'].includes(args[index - 1] ?? ''),
);
const groups = args.flatMap((arg, index) => (arg === '--group' ? [valueAfter(index) ?? ''] : []));
const hoursIndex = args.indexOf('--hours');
const hours = hoursIndex >= 0 ? Number(valueAfter(hoursIndex)) : 12;
const user = positional[0];
if (
  !user ||
  positional.length > 1 ||
  !(hours > 0) ||
  groups.some((group) => !/^[\w.@+-]{1,128}$/.test(group))
) {
  console.error(USAGE);
  process.exit(2);
}
console.log(
  devToken(user, {
    admin: args.includes('--admin'),
    groups,
    secret: process.env.CAMVAULT_JWT_SECRET || DEFAULT_JWT_SECRET,
    ttlSeconds: Math.round(hours * 3600),
  }),
);
