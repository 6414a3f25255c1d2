// A sparse index of one log: (seq → byte offset) points, a few per MiB, so a page or a follower can
// start near the record it wants instead of at byte 0. Points come from scans (each window's start and
// end), from the writer (as it appends) and from the fold checkpoint (for a process that never scanned
// the log). A point is never trusted blindly: a read that starts at one checks that a record with that
// seq starts there, and falls back to the start of the log when not (see FileSessionStore.scanFrom).
import type { LogCursor } from '../../core/session/sessionStore.ts';
import { LOG_START } from './logScan.ts';

export class LogIndex {
  /** Sorted by seq (and so by offset). */
  private points: LogCursor[];

  constructor(points: readonly LogCursor[] = []) {
    this.points = points.filter(isCursor).sort((a, b) => a.seq - b.seq);
  }

  add(point: LogCursor): void {
    const last = this.points.at(-1);
    if (!last || point.seq > last.seq) {
      this.points.push({ offset: point.offset, seq: point.seq });
      return;
    }
    const at = this.search(point.seq);
    if (this.points[at]?.seq !== point.seq) this.points.splice(at, 0, { offset: point.offset, seq: point.seq });
  }

  /** The last point at or before `seq`. */
  floor(seq: number): LogCursor {
    const at = this.search(seq + 1) - 1;
    return at >= 0 ? (this.points[at] as LogCursor) : LOG_START;
  }

  /** Points at or past `seq` go (a scan from them found something else there). */
  dropFrom(seq: number): void {
    this.points.length = this.search(seq);
  }

  get last(): LogCursor | undefined {
    return this.points.at(-1);
  }

  /** At most `max` points, evenly spread: what a checkpoint keeps. */
  sample(max: number): LogCursor[] {
    if (this.points.length <= max) return [...this.points];
    const step = this.points.length / max;
    return Array.from({ length: max }, (_, i) => this.points[Math.floor(i * step)] as LogCursor);
  }

  /** First index whose seq is >= `seq`. */
  private search(seq: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as LogCursor).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function isCursor(value: unknown): value is LogCursor {
  const c = value as LogCursor;
  return Number.isSafeInteger(c?.offset) && Number.isSafeInteger(c?.seq) && c.offset >= 0 && c.seq >= 1;
}
