// Messages between the extension host and the Event Log webview. Both sides validate what they
// receive with these schemas: the webview is an untrusted page as far as the host is concerned, and
// the host's messages cross a serialization boundary. The host keeps the events; the webview holds
// only the rows it shows and asks for ranges of the filtered list (`requestRows`).
// Written with zod's mini build (functions, not methods): the webviews bundle these schemas, and the
// full build would be 95% of a webview's code.
import * as z from 'zod/mini';

/** What the filter groups event types into. */
export const EVENT_KINDS = ['message', 'tool', 'thread', 'status', 'error', 'usage', 'review'] as const;
export const EventKind = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKind>;

/** Body text longer than this is sent cut; the webview asks for the rest with `requestDetail`. */
export const ROW_BODY_LIMIT = 4_000;
/** Rows per page: the webview asks for pages of this size, and `init` carries one. */
export const PAGE_SIZE = 100;
/** The most rows one `requestRows` may ask for: keeps a message small whatever the webview sends. */
export const MAX_ROWS_PER_REQUEST = 500;

/** A `write` or `edit` call as a diff: what the file looked like before and after, in hunks. */
export const RowDiff = z.object({
  path: z.string(),
  /** ` ` context, `+` added, `-` removed, `@` a hunk's header ("lines 12–18"). */
  lines: z.array(z.object({ kind: z.enum([' ', '+', '-', '@']), text: z.string() })),
  added: z.int().check(z.nonnegative()),
  removed: z.int().check(z.nonnegative()),
  /** Lines left out to keep the row small. */
  omitted: z.optional(z.int().check(z.nonnegative())),
  /** What the "before" side is: the file as an earlier `write` in this log left it, or nothing known. */
  base: z.enum(['edit', 'previous-write', 'new-file']),
});
export type RowDiff = z.infer<typeof RowDiff>;

/** A `bash` result as a terminal shows it. */
export const RowTerminal = z.object({
  command: z.string(),
  output: z.string(),
  /** null when the shell was killed or timed out. */
  exitCode: z.nullable(z.int()),
  /** Length of the whole output when `output` was cut. */
  outputLength: z.optional(z.int().check(z.nonnegative())),
});
export type RowTerminal = z.infer<typeof RowTerminal>;

export const EventRow = z.object({
  /** Position in the filtered list, from 0. */
  index: z.int().check(z.nonnegative()),
  seq: z.int().check(z.positive()),
  id: z.string(),
  thread: z.string(),
  agent: z.string(),
  type: z.string(),
  kind: EventKind,
  time: z.string(),
  /** One line: what a person scans. */
  title: z.string(),
  /** Details (inputs, results, message text); cut at ROW_BODY_LIMIT characters. */
  body: z.optional(z.string()),
  /** Length of the whole body when `body` was cut. */
  bodyLength: z.optional(z.int().check(z.nonnegative())),
  isError: z.optional(z.boolean()),
  /** Short right-aligned note: tokens and cost of a model request, a tool's duration. */
  note: z.optional(z.string()),
  diff: z.optional(RowDiff),
  terminal: z.optional(RowTerminal),
});
export type EventRow = z.infer<typeof EventRow>;

export const ThreadSummary = z.object({
  id: z.string(),
  agentName: z.string(),
  status: z.string(),
  tokens: z.number().check(z.nonnegative()),
});
export type ThreadSummary = z.infer<typeof ThreadSummary>;

export const VerdictCard = z.object({
  eventId: z.string(),
  seq: z.int().check(z.positive()),
  decision: z.string(),
  summary: z.string(),
  testRuns: z.array(z.object({ seq: z.int().check(z.positive()), command: z.string(), ok: z.nullable(z.boolean()) })),
  baseCommit: z.string(),
  headCommit: z.string(),
  /** The person's answer, once given. */
  answered: z.optional(z.enum(['approve', 'reject'])),
});
export type VerdictCard = z.infer<typeof VerdictCard>;

export const ToolAsk = z.object({
  eventId: z.string(),
  seq: z.int().check(z.positive()),
  thread: z.string(),
  agent: z.string(),
  tool: z.string(),
  input: z.string(),
});
export type ToolAsk = z.infer<typeof ToolAsk>;

/** The Planner's questions (or its low confidence) waiting for the person before the Coder starts. */
export const QuestionsCard = z.object({
  eventId: z.string(),
  seq: z.int().check(z.positive()),
  reason: z.enum(['questions', 'low_confidence', 'always']),
  questions: z.array(z.string()),
  /** The plan's lowest confidence (0–1), when it states one. */
  confidence: z.optional(z.number()),
});
export type QuestionsCard = z.infer<typeof QuestionsCard>;

/** What the person may send as answers: one per question, each of a size a message can carry. */
export const MAX_ANSWERS = 50;
export const MAX_ANSWER_LENGTH = 20_000;

export const SessionSummary = z.object({
  sessionId: z.string(),
  title: z.string(),
  /** idle, running, waiting, interrupted, terminated, failed */
  status: z.string(),
  costUsd: z.number().check(z.nonnegative()),
  tokens: z.number().check(z.nonnegative()),
  eventCount: z.int().check(z.nonnegative()),
  threads: z.array(ThreadSummary),
  verdict: z.optional(VerdictCard),
  toolAsks: z.array(ToolAsk),
  questions: z.optional(QuestionsCard),
  pullRequest: z.optional(z.object({ url: z.string(), number: z.int() })),
});
export type SessionSummary = z.infer<typeof SessionSummary>;

export const RowFilter = z.object({
  /** Only this thread's events; null shows the whole session. */
  threadId: z.nullable(z.string()),
  kinds: z.array(EventKind),
});
export type RowFilter = z.infer<typeof RowFilter>;

export const ALL_KINDS_FILTER: RowFilter = { threadId: null, kinds: [...EVENT_KINDS] };

// ---- host → webview ---------------------------------------------------------------------------

/** Everything the page shows at first: sent on `ready`, and carried by the page's HTML (InitialPage). */
export const InitMessage = z.object({
  type: z.literal('init'),
  sessionId: z.string(),
  filter: RowFilter,
  /** Bumped whenever the filtered list changes other than by appending; stale replies are dropped. */
  generation: z.int().check(z.nonnegative()),
  total: z.int().check(z.nonnegative()),
  summary: SessionSummary,
  /** The rows the page shows first (the end when following), saving a round trip before first paint. */
  initialRows: z.optional(z.object({ start: z.int().check(z.nonnegative()), rows: z.array(EventRow) })),
});
export type InitMessage = z.infer<typeof InitMessage>;

/** What a panel's HTML carries (a JSON script element), so the first rows are drawn without waiting for a
 * message: the `init` the host had when it wrote the page, and an id for that page. A webview without
 * retained context reloads the same HTML when it is shown again; the page keeps the id in its UI state and
 * so knows the data is from an earlier load (stale), and asks with a plain `ready` instead. */
export const InitialPage = z.object({ pageId: z.string(), init: InitMessage });
export type InitialPage = z.infer<typeof InitialPage>;
/** The id of the page's element that holds its initial data (eventLogHtml's `initialData`). */
export const INITIAL_DATA_ID = 'initial-data';

export const HostMessage = z.discriminatedUnion('type', [
  InitMessage,
  z.object({ type: z.literal('summary'), summary: SessionSummary }),
  /** The filtered list grew (live output) or was rebuilt (a new filter: new generation). */
  z.object({
    type: z.literal('total'),
    generation: z.int().check(z.nonnegative()),
    total: z.int().check(z.nonnegative()),
  }),
  z.object({
    type: z.literal('rows'),
    generation: z.int().check(z.nonnegative()),
    start: z.int().check(z.nonnegative()),
    rows: z.array(EventRow),
  }),
  z.object({ type: z.literal('detail'), seq: z.int().check(z.positive()), body: z.string() }),
  /** Scroll to this row and mark it (the Session Overview's timeline opened an event here). */
  z.object({
    type: z.literal('reveal'),
    generation: z.int().check(z.nonnegative()),
    index: z.int().check(z.nonnegative()),
    seq: z.int().check(z.positive()),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HostMessage = z.infer<typeof HostMessage>;

// ---- webview → host ---------------------------------------------------------------------------

export const CardAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('approve'), verdictEventId: z.string() }),
  z.object({ action: z.literal('requestChanges'), verdictEventId: z.string() }),
  z.object({ action: z.literal('showChanges') }),
  z.object({ action: z.literal('allowTool'), toolUseEventId: z.string() }),
  z.object({ action: z.literal('denyTool'), toolUseEventId: z.string() }),
  z.object({ action: z.literal('openPullRequest') }),
  z.object({
    action: z.literal('answerQuestions'),
    questionsEventId: z.string(),
    answers: z.array(z.string().check(z.maxLength(MAX_ANSWER_LENGTH))).check(z.maxLength(MAX_ANSWERS)),
  }),
]);
export type CardAction = z.infer<typeof CardAction>;

export const WebviewMessage = z.discriminatedUnion('type', [
  /** Sent once the page has loaded: the host answers with `init` (the ready handshake). */
  z.object({
    type: z.literal('ready'),
    filter: z.optional(RowFilter),
    /** Where the page will look first: the end (following), or a restored row. */
    follow: z.optional(z.boolean()),
    anchorIndex: z.optional(z.int().check(z.nonnegative())),
    /** The page shows the `init` its HTML carried, of this generation: the host sends only what changed
     * since it wrote the page (the total, the summary) instead of a whole `init`. */
    shownGeneration: z.optional(z.int().check(z.nonnegative())),
  }),
  z.object({
    type: z.literal('requestRows'),
    generation: z.int().check(z.nonnegative()),
    start: z.int().check(z.nonnegative()),
    end: z.int().check(z.nonnegative()),
  }),
  z.object({ type: z.literal('setFilter'), filter: RowFilter }),
  z.object({ type: z.literal('requestDetail'), seq: z.int().check(z.positive()) }),
  z.object({ type: z.literal('action'), card: CardAction }),
  /** The header's Overview button. */
  z.object({ type: z.literal('openOverview') }),
]);
export type WebviewMessage = z.infer<typeof WebviewMessage>;

/** What the webview keeps with `setState`: UI state only, never events. Also what the panel
 * serializer gets back after a reload, so it names the session (and thread) the panel showed. */
export const EventLogUiState = z.object({
  sessionId: z.string(),
  threadId: z.nullable(z.string()),
  filter: z.optional(RowFilter),
  /** Index of the first visible row, and whether the view follows new output. */
  anchorIndex: z.optional(z.int().check(z.nonnegative())),
  follow: z.optional(z.boolean()),
  /** The InitialPage whose data this page has drawn: drawn once, never again on a reload. */
  pageId: z.optional(z.string()),
});
export type EventLogUiState = z.infer<typeof EventLogUiState>;

export function parseHostMessage(data: unknown): HostMessage | undefined {
  const r = HostMessage.safeParse(data);
  return r.success ? r.data : undefined;
}

export function parseWebviewMessage(data: unknown): WebviewMessage | undefined {
  const r = WebviewMessage.safeParse(data);
  return r.success ? r.data : undefined;
}
