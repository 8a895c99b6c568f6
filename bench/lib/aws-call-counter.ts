/**
 * Counts the AWS calls an SDK client makes, by adding middleware to its `middlewareStack`:
 *  - `deserialize` step: runs once per HTTP request that leaves the process (retries included), so it
 *    counts real calls; a presigned URL never gets there (the presigner stops before signing a request
 *    to send);
 *  - `initialize` step: runs for every command, presigned or sent, so the difference is what was
 *    signed locally.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';

export interface CallCounts {
  /** Requests sent, by command name, e.g. `UpdateItemCommand`. */
  sent: Map<string, number>;
  /** Commands handled without a request: presigned URLs. */
  signedLocally: Map<string, number>;
}

const bump = (counts: Map<string, number>, name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);

export class AwsCallCounter {
  private sent = new Map<string, number>();
  private initialized = new Map<string, number>();

  attach(client: DynamoDBClient | S3Client | SNSClient, label: string): void {
    // The middleware reads only the context, never the input or output: any client's stack will do.
    const stack = client.middlewareStack as unknown as DynamoDBClient['middlewareStack'];
    stack.add(
      (next, context) => async (args) => {
        bump(this.initialized, `${label}:${context.commandName ?? 'unknown'}`);
        return next(args);
      },
      { step: 'initialize', name: `camvaultBenchCountCommands-${label}`, priority: 'high' },
    );
    stack.add(
      (next, context) => async (args) => {
        bump(this.sent, `${label}:${context.commandName ?? 'unknown'}`);
        return next(args);
      },
      { step: 'deserialize', name: `camvaultBenchCountRequests-${label}`, priority: 'low' },
    );
  }

  reset(): void {
    this.sent = new Map();
    this.initialized = new Map();
  }

  /** What happened since the last reset. */
  counts(): CallCounts {
    const signedLocally = new Map<string, number>();
    for (const [name, count] of this.initialized) {
      const unsent = count - (this.sent.get(name) ?? 0);
      if (unsent > 0) signedLocally.set(name, unsent);
    }
    return { sent: new Map(this.sent), signedLocally };
  }

  /** Counts made by `work` alone. */
  async measure<T>(work: () => Promise<T>): Promise<{ result: T; counts: CallCounts }> {
    this.reset();
    const result = await work();
    return { result, counts: this.counts() };
  }
}

export const totalCalls = (counts: Map<string, number>): number =>
  [...counts.values()].reduce((sum, count) => sum + count, 0);

/** `DynamoDB:UpdateItem ×1, S3:HeadObject ×1`. */
export const describeCalls = (counts: Map<string, number>): string =>
  counts.size === 0
    ? 'none'
    : [...counts]
        .map(([name, count]) => `${name.replace(/Command$/, '')}${count > 1 ? ` ×${count}` : ''}`)
        .join(', ');
