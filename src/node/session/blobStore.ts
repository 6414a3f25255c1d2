// Content-addressed blob files of one session (`<session>/blobs/<sha256>`): records too large to keep
// inline in the log. A blob is made durable before the log record that refers to it is written, so a
// record never points at a blob that a crash could lose.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BlobMissingError } from '../../core/errors.ts';
import { fsyncDirectory, writeFileAtomicSync } from './durableFiles.ts';
import type { BlobRef } from './recordCodec.ts';

const SHA256 = /^[0-9a-f]{64}$/;

export class BlobStore {
  constructor(
    private readonly sessionId: string,
    readonly dir: string,
  ) {}

  /** Stores `bytes` durably and returns its sha256 (the file name). */
  put(bytes: Buffer): string {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = join(this.dir, sha256);
    // Same content, same name: an existing blob that still matches its name is what we would write.
    if (existsSync(target) && matches(target, sha256)) return sha256;
    if (!existsSync(this.dir)) {
      mkdirSync(this.dir, { recursive: true });
      fsyncDirectory(join(this.dir, '..'));
    }
    writeFileAtomicSync(target, bytes);
    return sha256;
  }

  /** The blob's bytes, checked against its name. */
  get(ref: BlobRef, byteOffset: number): Buffer {
    if (typeof ref.sha256 !== 'string' || !SHA256.test(ref.sha256)) {
      throw new BlobMissingError(this.sessionId, String(ref.sha256), byteOffset, 'not a sha256 name');
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.dir, ref.sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        throw new BlobMissingError(this.sessionId, ref.sha256, byteOffset);
      throw error;
    }
    if (bytes.length !== ref.bytes || createHash('sha256').update(bytes).digest('hex') !== ref.sha256) {
      throw new BlobMissingError(
        this.sessionId,
        ref.sha256,
        byteOffset,
        'damaged (its content no longer matches its hash)',
      );
    }
    return bytes;
  }
}

function matches(path: string, sha256: string): boolean {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex') === sha256;
  } catch {
    return false;
  }
}
