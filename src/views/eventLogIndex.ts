// A compact summary of every event of a session, a few bytes each, by seq: its kind, its thread, the thread
// a session-level event is about, and one link (a tool result's tool use; a `write`'s previous write of the
// same path). It is what the Event Log filters a long log with and how a row finds the earlier event it
// shows beside itself, without keeping the events: 13 bytes an event (13 MB for a million), whatever their
// bodies weigh. Built in order: from the log on disk in the background, then from each live event.
import type { SessionEvent } from '../core/events/sessionEvent.ts';
import type { LogFold } from '../core/session/logFold.ts';
import { EVENT_KINDS, type EventKind, type RowFilter } from '../shared/eventLogProtocol.ts';
import { eventKind } from './eventRows.ts';
import { fromBase64, toBase64 } from './base64Bytes.ts';

const NONE = 0;

export class EventLogIndex {
  private kinds = new Uint8Array(1024);
  /** Thread codes (1 + position in `threadIds`); 0 for none. */
  private threads = new Uint32Array(1024);
  private about = new Uint32Array(1024);
  private links = new Uint32Array(1024);
  private readonly threadIds: string[] = [];
  private readonly threadCodes = new Map<string, number>();
  /** Tool uses still waiting for their result, by id: bounded by the calls in flight. */
  private readonly openUses = new Map<string, number>();
  /** The last `write` of each path: bounded by the paths written. */
  private readonly lastWrite = new Map<string, number>();
  /** The next seq to summarize: every seq before it is summarized. */
  next = 1;

  /** Summarizes `event` if it is the next one; returns whether it was. */
  add(event: SessionEvent): boolean {
    if (event.seq !== this.next) return false;
    const seq = event.seq;
    this.grow(seq);
    this.kinds[seq] = EVENT_KINDS.indexOf(eventKind(event));
    this.threads[seq] = this.code(event.thread);
    const about = aboutThread(event);
    this.about[seq] = about === undefined ? NONE : this.code(about);
    if (event.type === 'agent.tool_use') {
      this.openUses.set(event.id, seq);
      const path = writtenPath(event.name, event.input);
      if (path !== undefined) {
        this.links[seq] = this.lastWrite.get(path) ?? NONE;
        this.lastWrite.set(path, seq);
      }
    } else if (event.type === 'agent.tool_result') {
      this.links[seq] = this.openUses.get(event.tool_use_id) ?? NONE;
      this.openUses.delete(event.tool_use_id);
    }
    this.next++;
    return true;
  }

  /** Whether `seq` is summarized. */
  covers(seq: number): boolean {
    return seq >= 1 && seq < this.next;
  }

  /** The earlier event a covered event shows beside itself (0 when none). */
  link(seq: number): number {
    return this.links[seq] ?? NONE;
  }

  /** A test of summarized events against `filter`. */
  matcher(filter: RowFilter): (seq: number) => boolean {
    let mask = 0;
    for (const k of filter.kinds) mask |= 1 << EVENT_KINDS.indexOf(k);
    const threadId = filter.threadId;
    // Looked up at each call: the thread may first appear after the filter was set.
    const matchesThread = (seq: number): boolean => {
      const code = threadId === null ? undefined : this.threadCodes.get(threadId);
      return threadId === null || (code !== undefined && (this.threads[seq] === code || this.about[seq] === code));
    };
    return (seq) => ((1 << (this.kinds[seq] as number)) & mask) !== 0 && matchesThread(seq);
  }

  kindOf(seq: number): EventKind | undefined {
    return this.covers(seq) ? EVENT_KINDS[this.kinds[seq] as number] : undefined;
  }

  private code(threadId: string): number {
    let code = this.threadCodes.get(threadId);
    if (code === undefined) {
      code = this.threadIds.push(threadId);
      this.threadCodes.set(threadId, code);
    }
    return code;
  }

  /** As JSON data: the arrays up to `next` in base64, the small maps as entries. */
  save(): SavedIndex {
    const upTo = this.next;
    return {
      next: upTo,
      kinds: base64(this.kinds.subarray(0, upTo)),
      threads: base64(this.threads.subarray(0, upTo)),
      about: base64(this.about.subarray(0, upTo)),
      links: base64(this.links.subarray(0, upTo)),
      threadIds: [...this.threadIds],
      openUses: [...this.openUses],
      lastWrite: [...this.lastWrite],
    };
  }

  /** The index again from `save`'s data; undefined when it does not fit. */
  static load(saved: unknown): EventLogIndex | undefined {
    const s = saved as Partial<SavedIndex> | null;
    if (!s || !Number.isSafeInteger(s.next) || (s.next as number) < 1) return undefined;
    if (!Array.isArray(s.threadIds) || !Array.isArray(s.openUses) || !Array.isArray(s.lastWrite)) return undefined;
    const next = s.next as number;
    const index = new EventLogIndex();
    index.grow(next);
    const kinds = itemsOf(s.kinds, 1, next);
    const threads = itemsOf(s.threads, 4, next);
    const about = itemsOf(s.about, 4, next);
    const links = itemsOf(s.links, 4, next);
    if (!kinds || !threads || !about || !links) return undefined;
    index.kinds.set(kinds);
    index.threads.set(new Uint32Array(threads.buffer, threads.byteOffset, next));
    index.about.set(new Uint32Array(about.buffer, about.byteOffset, next));
    index.links.set(new Uint32Array(links.buffer, links.byteOffset, next));
    for (const id of s.threadIds as unknown[]) if (typeof id === 'string') index.code(id);
    if (index.threadIds.length !== s.threadIds.length) return undefined;
    for (const [id, seq] of s.openUses as [string, number][]) index.openUses.set(id, seq);
    for (const [path, seq] of s.lastWrite as [string, number][]) index.lastWrite.set(path, seq);
    index.next = next;
    return index;
  }

  private grow(seq: number): void {
    if (seq < this.kinds.length) return;
    const size = Math.max(seq + 1, this.kinds.length * 2);
    this.kinds = grown(this.kinds, new Uint8Array(size));
    this.threads = grown(this.threads, new Uint32Array(size));
    this.about = grown(this.about, new Uint32Array(size));
    this.links = grown(this.links, new Uint32Array(size));
  }
}

interface SavedIndex {
  next: number;
  kinds: string;
  threads: string;
  about: string;
  links: string;
  threadIds: string[];
  openUses: [string, number][];
  lastWrite: [string, number][];
}

/** The index as a fold the store checkpoints beside the log, so that the opening of a filtered view folds
 * only the records after it: a writer keeps it (VIEW_FOLDS) and, as it grows with the log (13 bytes an
 * event), saves it when the log has doubled and when the writer closes; a reader that folded a long stretch
 * leaves one too. */
export const EVENT_LOG_INDEX_FOLD: LogFold<EventLogIndex> = {
  name: 'event-log-index',
  version: 1,
  start: () => new EventLogIndex(),
  apply: (index, event) => {
    index.add(event);
  },
  save: (index) => index.save(),
  load: (saved) => EventLogIndex.load(saved),
  growsWithLog: true,
};

function base64(items: Uint8Array | Uint32Array): string {
  return toBase64(uint8(items));
}

/** `count` items of `width` bytes from base64 (a fresh buffer: aligned for a typed array over it). */
function itemsOf(text: unknown, width: number, count: number): Uint8Array | undefined {
  const bytes = typeof text === 'string' ? fromBase64(text) : undefined;
  return bytes?.length === width * count ? bytes : undefined;
}

function uint8(a: Uint8Array | Uint32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function grown<A extends Uint8Array | Uint32Array>(from: A, to: A): A {
  to.set(from);
  return to;
}

/** The path a `write` call writes whole (an inline diff shows it against the write before), if it is one. */
export function writtenPath(name: string, input: unknown): string | undefined {
  if (name !== 'write') return undefined;
  const i = (input ?? {}) as { file_path?: unknown; path?: unknown; content?: unknown };
  const path = typeof i.file_path === 'string' ? i.file_path : i.path;
  return typeof path === 'string' && typeof i.content === 'string' ? path : undefined;
}

/** Session-level events that name a thread in their payload belong to that thread's view too. */
export function aboutThread(e: SessionEvent): string | undefined {
  switch (e.type) {
    case 'session.thread_created':
    case 'session.thread_status_running':
    case 'session.thread_status_idle':
    case 'session.thread_status_rescheduled':
    case 'session.thread_status_terminated':
      return e.session_thread_id;
    default:
      return undefined;
  }
}
