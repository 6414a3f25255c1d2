// The fold checkpoint `<session>/fold.json`: the session state folded up to some record, so that waking
// a long session is the checkpoint plus the records after it, not a fold of the whole log. The file is
//
//   <crc32 of the JSON, 8 hex digits>\n<JSON>\n
//
// written atomically (temp file, fsync, rename), and trusted only when its checksum holds, its format
// and fold versions are this build's, and the log still has, at the checkpoint's last record, a whole
// record with that seq and that checksum. Anything else — a damaged or foreign checkpoint, a log cut
// shorter or rewritten — and it is ignored and rebuilt from the log: a checkpoint can make a wake fast,
// never make it wrong.
import { readFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { EventOfType } from '../../core/events/sessionEvent.ts';
import { FOLD_VERSION } from '../../core/session/sessionState.ts';
import type { SessionState, ThreadState } from '../../core/session/sessionState.ts';
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { writeFileAtomic } from './durableFiles.ts';
import { checkLine } from './recordCodec.ts';

export const CHECKPOINT_FILE = 'fold.json';
const FORMAT = 1;
/** Where a record's checksum sits in its line: `{"crc32":"` is 10 bytes. */
const CRC_AT = 10;

export interface FoldCheckpoint {
  /** Seq of the last record folded in. */
  records: number;
  /** Bytes of the log up to and including that record. */
  bytes: number;
  /** That record: where it starts and its checksum (as written in its line). */
  last: { offset: number; crc32: string };
  state: SessionState;
  /** Points of the log's index, for readers in a process that has not scanned the log. */
  index: LogCursor[];
}

type ToolUse = EventOfType<'agent.tool_use'>;
type StoredThread = Omit<ThreadState, 'pendingToolUses'> & { pendingToolUses: ToolUse[] };

export async function writeCheckpoint(sessionDir: string, checkpoint: FoldCheckpoint): Promise<void> {
  const threads: Record<string, StoredThread> = {};
  for (const [id, t] of Object.entries(checkpoint.state.threads)) threads[id] = { ...t, pendingToolUses: [...t.pendingToolUses.values()] };
  const json = JSON.stringify({ format: FORMAT, fold: FOLD_VERSION, ...checkpoint, state: { ...checkpoint.state, threads } });
  await writeFileAtomic(join(sessionDir, CHECKPOINT_FILE), `${crc32(json).toString(16).padStart(8, '0')}\n${json}\n`);
}

/** The checkpoint if its file is whole and of this build (not yet checked against the log). */
export function readCheckpoint(sessionDir: string, sessionId: string): FoldCheckpoint | undefined {
  let text: string;
  try {
    text = readFileSync(join(sessionDir, CHECKPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const json = text.slice(9, -1);
  if (text[8] !== '\n' || !text.endsWith('\n') || crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8)) return undefined;
  let stored: FoldCheckpoint & { format: unknown; fold: unknown; state: { threads: Record<string, StoredThread> } };
  try {
    stored = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (stored.format !== FORMAT || stored.fold !== FOLD_VERSION || stored.state?.id !== sessionId) return undefined;
  if (!Number.isSafeInteger(stored.records) || !Number.isSafeInteger(stored.bytes) || !Number.isSafeInteger(stored.last?.offset)) return undefined;
  const threads: Record<string, ThreadState> = {};
  for (const [id, t] of Object.entries(stored.state.threads)) threads[id] = { ...t, pendingToolUses: new Map(t.pendingToolUses.map((u) => [u.id, u])) };
  return { records: stored.records, bytes: stored.bytes, last: stored.last, state: { ...stored.state, threads }, index: Array.isArray(stored.index) ? stored.index : [] };
}

/** Whether the log still holds, where the checkpoint says, the record it was taken at. */
export async function checkpointMatches(file: FileHandle, checkpoint: FoldCheckpoint): Promise<boolean> {
  const { offset } = checkpoint.last;
  const length = checkpoint.bytes - offset;
  if (offset < 0 || length <= 0 || length > 64 * 1024 * 1024) return false;
  if ((await file.stat()).size < checkpoint.bytes) return false;
  const line = Buffer.allocUnsafe(length);
  const { bytesRead } = await file.read(line, 0, length, offset);
  if (bytesRead !== length || line[length - 1] !== 0x0a) return false;
  if (line.toString('latin1', CRC_AT, CRC_AT + 8) !== checkpoint.last.crc32) return false;
  const checked = checkLine(line, 0, length - 1);
  if ('damage' in checked) return false;
  return seqOf(line.toString('utf8', checked.bodyStart, checked.bodyEnd)) === checkpoint.records;
}

/** A record's checksum as its line spells it. */
export function recordCrc(line: string | Buffer): string {
  return typeof line === 'string' ? line.slice(CRC_AT, CRC_AT + 8) : line.toString('latin1', CRC_AT, CRC_AT + 8);
}

function seqOf(body: string): number | undefined {
  try {
    return (JSON.parse(body) as { seq?: number }).seq;
  } catch {
    return undefined;
  }
}
