/** The objects of the HTTP contract, exactly as clients see them. */

export interface Lock {
  name: string;
  user: string;
  lockId: string;
  acquiredAt: string;
  message: string;
  expiresAt: string | null;
}

export type FileStatus = 'available' | 'checked_out';

export interface VaultFile {
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  modifiedAt: string;
  modifiedBy: string;
  status: FileStatus;
  lock: Lock | null;
}

export interface Version {
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
  user: string;
  message: string;
}

export interface Upload {
  uploadId: string;
  name: string;
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
  sizeBytes: number;
  sha256: string;
  expiresAt: string;
}

export interface Download {
  url: string;
  method: 'GET';
  expiresAt: string;
  name: string;
  version: number;
  sizeBytes: number;
  sha256: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Who is calling, as the token says: never taken from a request body. */
export interface Caller {
  user: string;
  isAdmin: boolean;
}
