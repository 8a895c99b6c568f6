/**
 * The vault's one DynamoDB table, described once: the CDK stack and the local server both build it from here.
 * Files, versions and uploads share it; each entity's keys are defined in `items.ts`.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'ttl',
  /** Every file, ordered by its case-folded name: the file listing. */
  filesIndex: { name: 'byName', partitionKey: 'listPk', sortKey: 'nameKey' },
  /** Sparse: only files holding a lock carry `lockListPk`, so this index is "who has what". */
  locksIndex: { name: 'byLock', partitionKey: 'lockListPk', sortKey: 'nameKey' },
} as const;
