/** Section 12 of RESULTS.md: large files in parts, against direct parallel transfers of the same bytes. */
import type { MultipartBench } from '../sections/multipart';
import { formatBytes, GiB, MiB } from './stats';

export interface SectionReport {
  targets: { item: string; target: string; measured: string; met: boolean }[];
  misses: string[];
  section: string;
}

const seconds = (value: number) => `${value.toFixed(1)} s`;
const rate = (bytes: number, time: number) => `${(bytes / MiB / time).toFixed(0)} MiB/s`;
const mb = (mib: number) => mib * 1.048576;
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

export const multipartReport = (bench: MultipartBench): SectionReport => {
  const targets: SectionReport['targets'] = [];
  const misses: string[] = [];
  const rows = bench.transfers.map((result) => ({
    result,
    up: result.directPut.seconds / result.cliAddClientSeconds,
    upSending: result.directPut.seconds / result.cliSendSeconds,
    down: result.directGet.seconds / result.cliGet.seconds,
  }));
  for (const row of rows) {
    const size = formatBytes(row.result.sizeBytes);
    targets.push({
      item: `12. CLI upload ÷ direct parallel multipart PUT, ${size}`,
      target: '≥ 0.95',
      measured: `${row.up.toFixed(2)} (the sending alone, without the hash pass the contract needs first: ${row.upSending.toFixed(2)})`,
      met: row.up >= 0.95,
    });
    targets.push({
      item: `12. CLI download ÷ direct parallel ranged GET, ${size}`,
      target: '≥ 0.95',
      measured: row.down.toFixed(2),
      met: row.down >= 0.95,
    });
  }
  const { resume } = bench;
  const resumedShare = resume.bytesAfterCut / resume.sizeBytes;
  targets.push({
    item: `12. Bytes sent after a cut at 60 %, ${formatBytes(resume.sizeBytes)}`,
    target: '≤ 45 % of the file',
    measured: `${(100 * resumedShare).toFixed(1)} % (${formatBytes(resume.bytesAfterCut)}; ${resume.partCount - resume.partsBeforeCut} of ${resume.partCount} parts)`,
    met: resumedShare <= 0.45,
  });
  for (const point of bench.peakRss) {
    targets.push({
      item: `12. CLI peak RSS sending ${formatBytes(point.sizeBytes)} in parts`,
      target: '≤ 150 MB',
      measured: `${mb(point.peakRssMiB).toFixed(1)} MB`,
      met: mb(point.peakRssMiB) <= 150,
    });
  }
  if (rows.some((row) => row.up < 0.95)) {
    const big = rows[rows.length - 1]?.result;
    if (big)
      misses.push(`**CLI upload in parts (12).** The contract stages an upload by the whole file's SHA-256, so
\`camvault add\` must read the file once to hash it (and its parts) before the first byte is sent:
${seconds(big.hashSeconds)} of its ${seconds(big.cliAddClientSeconds)} at ${formatBytes(big.sizeBytes)} (${(big.hashSeconds / (big.sizeBytes / GiB)).toFixed(1)} s per GiB). The
sending alone is ${rows.map((row) => `${row.upSending.toFixed(2)}× at ${formatBytes(row.result.sizeBytes)}`).join(', ')} of the direct parallel PUT. What would
close it: nothing on the client while the digest must come first; a contract that lets the whole
file's SHA-256 be declared at check-in (the parts' are declared as they are hashed and sent) would
let the CLI hash while it sends. A file checked out from a workspace and unchanged needs neither pass,
and a resumed upload skips the hash.`);
  }
  if (rows.some((row) => row.down < 0.95)) {
    misses.push(`**CLI download (12).** \`camvault get\` fetches ranges of 8 MiB, ${rows[0]?.result.parallel} at a time, into the temporary
file and hashes them in order by reading them back (the SHA-256 must run in order), then fsyncs
and renames; the direct download writes the same ranges and hashes nothing. On this machine s3rver
serves every byte from the bench's own process on 2 cores, and the CLI's hash competes with it for
them. What would close it: a digest that need not run in order (a hash of the parts' hashes, a
contract change) could be spread over the cores as the ranges arrive.`);
  }
  const section = `## 12. Large files in parts

The same bytes up and down the same storage (s3rver behind the local server) in ${formatBytes(rows[0]?.result.partSizeBytes ?? 0)} parts,
${rows[0]?.result.parallel} at a time, every transfer a fresh Node.js process. **direct up**: the part URLs asked for
beforehand, then the parts PUT from disk and nothing else. **CLI up**: \`camvault add\` — hash the file
and its parts (these in a worker thread), stage, ask for part URLs, PUT the parts — less its check-in
request (the server's verification, timed by a proxy, shown apart). **direct down**: ranged GETs
written at their offsets, then fsync. **CLI down**: \`camvault get\`. The fastest of each run counts.

${table(
  [
    'size',
    'direct parts',
    'CLI add, its own side',
    'of which the hash pass',
    'up ratio',
    'up ratio, sending only',
    'CLI check-in (server)',
    'direct ranges',
    'CLI get',
    'down ratio',
  ],
  rows.map(({ result, up, upSending, down }) => [
    formatBytes(result.sizeBytes),
    `${seconds(result.directPut.seconds)} (${rate(result.sizeBytes, result.directPut.seconds)})`,
    `${seconds(result.cliAddClientSeconds)} (${rate(result.sizeBytes, result.cliAddClientSeconds)})`,
    seconds(result.hashSeconds),
    up.toFixed(2),
    upSending.toFixed(2),
    seconds(result.cliCheckinSeconds),
    `${seconds(result.directGet.seconds)} (${rate(result.sizeBytes, result.directGet.seconds)})`,
    `${seconds(result.cliGet.seconds)} (${rate(result.sizeBytes, result.cliGet.seconds)})`,
    down.toFixed(2),
  ]),
)}

**Resume.** \`camvault add\` of ${formatBytes(resume.sizeBytes)} (${resume.partCount} parts) through a front that lets ${resume.partsBeforeCut} parts (60 %)
reach storage and stalls the rest; the process is then killed and a new one run: it finds the upload
in its config directory, does not hash the file again, asks the vault which parts it holds and sent
${formatBytes(resume.bytesAfterCut)}, ${(100 * resumedShare).toFixed(1)} % of the file.

**Peak RSS.** ${bench.peakRss.map((point) => `${formatBytes(point.sizeBytes)}: ${mb(point.peakRssMiB).toFixed(1)} MB (${seconds(point.seconds)})`).join('; ')} — a sparse file
(nothing on disk behind it) sent in parts to a front that reads and drops them, so only the CLI is
measured; its check-in is then refused (storage holds nothing), which does not change its peak.`;
  return { targets, misses, section };
};
