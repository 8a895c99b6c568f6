/**
 * The vault's one DynamoDB table, described once: the CDK stack and the local server both build it from
 * here. Each entity's keys and index values are defined in `items.ts`.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'ttl',
  /** Every live file, ordered by its case-folded name: the file listing. */
  filesIndex: { name: 'byName', partitionKey: 'listPk', sortKey: 'nameKey' },
  /** Sparse: only files holding a lock carry `lockListPk`, so this index is "who has what". */
  locksIndex: { name: 'byLock', partitionKey: 'lockListPk', sortKey: 'nameKey' },
  /**
   * (v2) Groups listed a page at a time: the files directly in a folder, the folders directly in a
   * folder, the trash by deletion time, and the whole audit trail by time. One index for all four, so
   * that a v1 stack gains it in one update (CloudFormation adds one index per table update).
   */
  groupsIndex: { name: 'byGroup', partitionKey: 'groupPk', sortKey: 'groupSk' },
} as const;

export const TABLE_INDEXES = [
  tableSchema.filesIndex,
  tableSchema.locksIndex,
  tableSchema.groupsIndex,
] as const;
