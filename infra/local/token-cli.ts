/** `npm run token -- <user> [--admin] [--hours N]`: a local-mode token signed with CAMVAULT_JWT_SECRET. */
import { DEFAULT_JWT_SECRET, devToken } from './jwt';

const args = process.argv.slice(2);
const user = args.find((arg) => !arg.startsWith('--'));
const hoursIndex = args.indexOf('--hours');
const hours = hoursIndex >= 0 ? Number(args[hoursIndex + 1]) : 12;
if (!user || !(hours > 0)) {
  console.error('usage: npm run token -- <user> [--admin] [--hours N]');
  process.exit(2);
}
console.log(
  devToken(user, {
    admin: args.includes('--admin'),
    secret: process.env.CAMVAULT_JWT_SECRET || DEFAULT_JWT_SECRET,
    ttlSeconds: Math.round(hours * 3600),
  }),
);
