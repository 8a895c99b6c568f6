/**
 * 3. AWS calls per operation: the vault's core on clients whose middleware stack counts every request
 * that leaves the process (and every URL presigned without one).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorEndpoints } from '#infra/local/local-vault';
import type { Upload } from '#shared/model';
import { parseFolderPrefix } from '#shared/names';
import { AwsCallCounter, type CallCounts, describeCalls, totalCalls } from '../lib/aws-call-counter';
import { caller, createBenchVault, fileName } from '../lib/environment';

/** Who the bench reads as: a programmer, with no folder rule in force. */
const READER = { user: 'bench-reader', groups: [] };

export interface CallsRow {
  operation: string;
  calls: number;
  detail: string;
  signedLocally: string;
  /** The target (at most this many calls), where it sets one. */
  target: number | null;
  note: string;
}

const HEAD_OBJECT = 'HeadObjectCommand';

export const awsCalls = async (endpoints: EmulatorEndpoints): Promise<CallsRow[]> => {
  const bench = await createBenchVault(endpoints, 'calls');
  const counter = new AwsCallCounter();
  counter.attach(bench.clients.dynamodb, 'DynamoDB');
  counter.attach(bench.clients.s3, 'S3');

  // S3 answers HeadObject (checksum mode) with the SHA-256 it verified when the object was PUT with a
  // signed checksum; s3rver answers without one, so the core falls back to reading the object to hash
  // it. While `stagedSha256` is set (the SHA-256 of the bytes just staged), this middleware fills in
  // what S3 would have said, so the count shows the path the core takes on AWS.
  let stagedSha256: string | null = null;
  bench.clients.s3.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (stagedSha256 !== null && context.commandName === HEAD_OBJECT) {
        const key = String((args.input as { Key?: string }).Key ?? '');
        // A blob's key is its SHA-256; a staged object's is the upload's.
        const sha256 = key.startsWith('blobs/') ? key.slice('blobs/'.length) : stagedSha256;
        const output = result.output as { ChecksumSHA256?: string };
        output.ChecksumSHA256 ??= Buffer.from(sha256, 'hex').toString('base64');
      }
      return result;
    },
    { step: 'initialize', name: 'camvaultBenchS3ReportsChecksum' },
  );

  const owner = caller('alice');
  const other = caller('bob');
  const admin = caller('admin', true);
  const name = fileName('calls/Part A.mcam');
  const rows: CallsRow[] = [];
  const record = (operation: string, counts: CallCounts, target: number | null, note = '') => {
    rows.push({
      operation,
      calls: totalCalls(counts.sent),
      detail: describeCalls(counts.sent),
      signedLocally: counts.signedLocally.size === 0 ? '' : describeCalls(counts.signedLocally),
      target,
      note,
    });
  };
  const put = async (upload: Upload, bytes: Buffer) => {
    if (upload.method !== 'PUT') throw new Error('a small upload is one PUT');
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    if (response.status !== 200)
      throw new Error(`PUT to storage: ${response.status} ${await response.text()}`);
  };
  const newBytes = () => randomBytes(64 * 1024);
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  try {
    // A new file: staging, then check-in of version 1.
    const first = newBytes();
    const stagedNew = await counter.measure(() =>
      bench.vault.checkins.stage(owner, name, first.length, sha256(first)),
    );
    record(
      'upload staging, new file',
      stagedNew.counts,
      null,
      "the file and the rules read together; the upload and its blob marked placed (the sweeper's guard) in one transaction",
    );
    await put(stagedNew.result, first);
    await bench.vault.checkins.checkIn(owner, name, {
      source: { uploadId: stagedNew.result.uploadId },
      message: 'v1',
      keepLock: false,
    });

    record(
      'checkout',
      (await counter.measure(() => bench.vault.locks.checkout(owner, name, 'editing'))).counts,
      1,
      'the file and the rules in one read, then the lock and its audit entry in one transaction: the answer names the file as it is, and the rules are the ones in force',
    );
    const conflict = await counter.measure(() =>
      bench.vault.locks.checkout(other, name, '').catch((error) => error),
    );
    record(
      'checkout refused (409 LOCKED naming the holder)',
      conflict.counts,
      1,
      'the holder comes back with the failed condition',
    );

    const second = newBytes();
    const staged = await counter.measure(() =>
      bench.vault.checkins.stage(owner, name, second.length, sha256(second)),
    );
    record(
      'upload staging, under the lock',
      staged.counts,
      null,
      'as for a new file; the PUT URL is presigned locally',
    );
    await put(staged.result, second);
    const checkedIn = await counter.measure(() =>
      bench.vault.checkins.checkIn(owner, name, {
        source: { uploadId: staged.result.uploadId },
        message: 'v2',
        keepLock: false,
      }),
    );
    record(
      'check-in on the emulators',
      checkedIn.counts,
      null,
      's3rver reports no checksum, so the core reads the object back to hash it (the extra GetObject)',
    );
    const retried = await counter.measure(() =>
      bench.vault.checkins.checkIn(owner, name, {
        source: { uploadId: staged.result.uploadId },
        message: 'v2',
        keepLock: false,
      }),
    );
    record('check-in retried after a lost response', retried.counts, null, 'answers the committed version');

    await bench.vault.locks.checkout(owner, name, 'again');
    const third = newBytes();
    const stagedAws = await bench.vault.checkins.stage(owner, name, third.length, sha256(third));
    await put(stagedAws, third);
    stagedSha256 = sha256(third);
    const checkedInAws = await counter.measure(() =>
      bench.vault.checkins.checkIn(owner, name, {
        source: { uploadId: stagedAws.uploadId },
        message: 'v3',
        keepLock: false,
      }),
    );
    stagedSha256 = null;
    record(
      'check-in, the AWS path',
      checkedInAws.counts,
      3,
      'HeadObject answers with the SHA-256 S3 verified (filled in by a bench middleware: s3rver does not)',
    );

    await bench.vault.locks.checkout(owner, name, 'to undo');
    record(
      'undo (release own lock)',
      (await counter.measure(() => bench.vault.locks.release(owner, name, false))).counts,
      1,
      'as a checkout: the audit entry is written with the change, so the file is read first',
    );

    await bench.vault.locks.checkout(owner, name, 'to release');
    record(
      'check-in without upload (release)',
      (
        await counter.measure(() =>
          bench.vault.checkins.checkIn(owner, name, {
            source: null,
            message: '',
            keepLock: false,
          }),
        )
      ).counts,
      1,
      '',
    );

    await bench.vault.locks.checkout(other, name, 'to break');
    record(
      'break (admin, force)',
      (await counter.measure(() => bench.vault.locks.release(admin, name, true))).counts,
      null,
      "the owner's release is tried first; its failure shows the lock to break",
    );

    record(
      'list page',
      (
        await counter.measure(() =>
          bench.vault.files.list(READER, {
            directOnly: false,
            releasedOnly: false,
            prefix: '',
            status: null,
            limit: 100,
            cursor: null,
          }),
        )
      ).counts,
      1,
      'one Query of the name index',
    );
    record(
      'list page, status=checked_out',
      (
        await counter.measure(() =>
          bench.vault.files.list(READER, {
            directOnly: false,
            releasedOnly: false,
            prefix: '',
            status: 'checked_out',
            limit: 100,
            cursor: null,
          }),
        )
      ).counts,
      1,
      'the status is a filter on the same Query',
    );
    record(
      'download link (latest)',
      (await counter.measure(() => bench.vault.files.download(READER, name, null))).counts,
      1,
      'GetItem for the version; the GET URL is presigned locally',
    );
    record(
      'download link (given version)',
      (await counter.measure(() => bench.vault.files.download(READER, name, 1))).counts,
      1,
      "the version's key holds the fileId, read with the file first",
    );

    // Contract v2: a file's whole life, releases and rules.
    await bench.vault.locks.checkout(owner, name, 'v2 routes');
    record(
      'revert (check-in fromVersion)',
      (
        await counter.measure(() =>
          bench.vault.checkins.checkIn(owner, name, {
            source: { fromVersion: 1 },
            message: 'back to v1',
            keepLock: true,
          }),
        )
      ).counts,
      3,
      'the file, the earlier version, then one transaction',
    );
    const moved = fileName('calls/done/Part A.mcam');
    record(
      'move',
      (await counter.measure(() => bench.vault.lifecycle.move(owner, name, moved, 'done'))).counts,
      null,
      'one transaction: the name item, the mark left at the old name, the folders, the entry',
    );
    const page = { limit: 100, cursor: null };
    record(
      'folders page',
      (await counter.measure(() => bench.vault.files.folders(READER, 'calls/', page.limit, page.cursor)))
        .counts,
      1,
      'one Query of the folder items; the rules come from the cache',
    );
    record(
      'files page, depth=1',
      (
        await counter.measure(() =>
          bench.vault.files.list(READER, {
            directOnly: true,
            releasedOnly: false,
            prefix: 'calls/done/',
            status: null,
            ...page,
          }),
        )
      ).counts,
      1,
      "one Query of the folder's own files",
    );
    const trashed = await counter.measure(() => bench.vault.lifecycle.delete(owner, moved, 'gone'));
    record(
      'delete',
      trashed.counts,
      null,
      'the file read, then one transaction; a second one when the file was the last of its folder (the folder item goes instead of counting down)',
    );
    record(
      'trash page',
      (await counter.measure(() => bench.vault.lifecycle.trash(READER, '', page.limit, page.cursor))).counts,
      1,
      '',
    );
    record(
      'restore',
      (await counter.measure(() => bench.vault.lifecycle.restore(owner, trashed.result.fileId, name))).counts,
      null,
      'the trash entry and the rules in one read, then one transaction',
    );
    record(
      'audit page',
      (
        await counter.measure(() =>
          bench.vault.audit.list(admin, {
            name: null,
            user: null,
            type: null,
            since: null,
            until: null,
            ...page,
          }),
        )
      ).counts,
      1,
      '',
    );
    const lead = { user: 'lee', groups: ['leads'] };
    record(
      'release',
      (await counter.measure(() => bench.vault.releases.release(lead, name, 1, 'approved'))).counts,
      null,
      'the file, the version, then one transaction',
    );
    record(
      'withdraw release',
      (await counter.measure(() => bench.vault.releases.withdraw(lead, name, 'recalled'))).counts,
      null,
      '',
    );
    record(
      'folder rule set',
      (
        await counter.measure(() =>
          bench.vault.rules.put(admin, parseFolderPrefix('calls/'), ['*'], ['leads']),
        )
      ).counts,
      null,
      'the rules item read, then one transaction with its entry',
    );
  } finally {
    await bench.drop();
  }
  return rows;
};
