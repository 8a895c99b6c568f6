/**
 * `npm run bench`: measures the vault against the design it replaces and writes bench/RESULTS.md with
 * its SVG charts (bench/charts/). Every section starts from nothing: its own emulators, tables, files.
 *
 *   npm run bench                      # the full run: 100,000 locks and files, 1 and 2 GiB transfers
 *   npm run bench -- --quick           # small sizes, written to test-artifacts/bench-quick/
 *   npm run bench -- --only=locks,calls --sizes=256M --out=/tmp/results
 *   npm run bench -- --only=sync,status --merge   # the other sections' figures kept from results.json
 *
 * Sections: cold-start, calls, contention, locks, listing, rules, life, fanout, bytes, sync, status, multipart.
 */

// Before any module of the server loads: no per-request logs (errors only), no SDK banner.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.CAMVAULT_LOG_LEVEL ??= 'ERROR';

import('./main')
  .then(({ main }) => main(process.argv.slice(2)))
  .catch((error: unknown) => {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
