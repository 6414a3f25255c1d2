// `agent-os sessions list|show|verify|export|delete`: what is in the session store, read without taking
// any lock, so it works while a session is running; `export` writes a redacted copy for a bug report and
// `delete` removes a session the way the extension's Delete Session does (the runtime's delete).
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidArgumentError, isAgentOsError } from '../../core/errors.ts';
import type { SessionEvent } from '../../core/events/sessionEvent.ts';
import { totalTokens } from '../../core/session/sessionState.ts';
import { logPages } from '../../core/session/logPages.ts';
import type { SessionState } from '../../core/session/sessionState.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { UNCONFINED_NOTICE } from '../../core/tools/unconfinedTools.ts';
import { openGit } from '../../node/git/gitClient.ts';
import { FileSessionStore } from '../../node/session/fileSessionStore.ts';
import { version } from '../../../package.json';
import type { CliCommand } from '../cliCommand.ts';
import { buildCliRuntime } from '../runtimeFlags.ts';
import { SessionExporter } from '../sessionExport.ts';
import { ColumnWidths, writeJsonWithArray } from '../streamedOutput.ts';
import { repositoryRoot, resolveStoreDir } from '../storeLocation.ts';
import { renderThreadTree } from '../../views/threadTree.ts';
import { printErr, printJsonText, printOut } from '../terminalOutput.ts';
import { readSessionState } from '../../core/session/sessionStateFold.ts';

const USAGE = `Usage:
  agent-os sessions list [--json]           sessions in the store, newest first
  agent-os sessions show <id> [--json]      threads, statuses, usage and every event of a session
  agent-os sessions verify <id>             checks every record of the log; exit 0 when it is whole,
                                            1 when a record is damaged, 3 when only the last one is torn
  agent-os sessions export <id> [--out <file>]
                                            the log as JSON lines for a bug report (to stdout, or a file),
                                            with API keys, tokens and other secrets redacted
  agent-os sessions delete <id>             removes the session: its log, its worktree and session
                                            repository, its containers; the branch agent-os/<id> stays
Options:
  --store <dir>   session storage folder (default: <git dir>/agent-os/sessions of the repository
                  around the current folder)
  --repo <dir>    (delete) the repository, when the current folder is not in it
  --json          machine-readable output
`;

/** `verify` found only a torn last record: the next writer cuts it off, nothing acknowledged is lost. */
const EXIT_TORN_TAIL = 3;

export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: 'list, show, verify, export and delete stored sessions',
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseFlags(args);
    if (values.help) {
      printOut(USAGE);
      return 0;
    }
    const [sub, ...rest] = positionals;
    if (!sub) {
      printErr(USAGE);
      return 2;
    }
    const store = new FileSessionStore(await storeDir(values.store));
    switch (sub) {
      case 'list':
        noMore(rest, 'list');
        return list(store, values.json === true);
      case 'show':
        return show(store, sessionArg(rest, 'show'), values.json === true);
      case 'verify':
        return verify(store, sessionArg(rest, 'verify'));
      case 'export':
        return exportTo(store, sessionArg(rest, 'export'), values.out);
      case 'delete':
        return remove(store, sessionArg(rest, 'delete'), values);
      default:
        throw new InvalidArgumentError(`unknown sessions command '${sub}' (list, show, verify, export, delete)`);
    }
  },
};

interface SessionsFlags {
  store?: string;
  repo?: string;
  out?: string;
  json?: boolean;
  help?: boolean;
}

function parseFlags(args: string[]): { values: SessionsFlags; positionals: string[] } {
  try {
    return parseArgs({
      args,
      options: {
        store: { type: 'string' },
        repo: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message.split('\n')[0]} (see agent-os sessions --help)`);
  }
}

async function storeDir(flag: string | undefined): Promise<string> {
  if (flag !== undefined) return resolve(flag);
  let repository: string;
  try {
    repository = await repositoryRoot(process.cwd());
  } catch {
    throw new InvalidArgumentError(
      'not inside a git repository, so there is no default session store: pass --store <dir>',
    );
  }
  return resolveStoreDir(undefined, repository);
}

function sessionArg(rest: string[], sub: string): string {
  const [id, ...extra] = rest;
  if (!id) throw new InvalidArgumentError(`sessions ${sub} needs a session id (see agent-os sessions list)`);
  noMore(extra, sub);
  return id;
}

function noMore(extra: string[], sub: string): void {
  if (extra.length > 0) throw new InvalidArgumentError(`sessions ${sub}: unexpected argument '${extra[0]}'`);
}

interface Summary {
  meta: SessionMeta;
  state?: SessionState;
  /** Why the log could not be read, when it could not. */
  problem?: string;
}

async function summarize(store: FileSessionStore, meta: SessionMeta): Promise<Summary> {
  try {
    return { meta, state: (await readSessionState(store, meta.id)).state };
  } catch (error) {
    if (isAgentOsError(error)) return { meta, problem: error.message };
    throw error;
  }
}

async function list(store: FileSessionStore, json: boolean): Promise<number> {
  const summaries = await Promise.all((await store.list()).map((meta) => summarize(store, meta)));
  if (json) {
    const out = summaries.map(({ meta, state, problem }) => ({
      ...meta,
      status: state?.status ?? 'damaged',
      events: state?.eventCount ?? null,
      usage: state?.usage ?? null,
      ...(problem ? { problem } : {}),
    }));
    printJsonText(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  if (summaries.length === 0) {
    printOut(`no sessions in ${store.dir}\n`);
    return 0;
  }
  const rows = summaries.map(({ meta, state }) => [
    meta.id,
    state ? statusText(state) : 'damaged',
    state ? String(state.eventCount) : '-',
    state ? `$${state.usage.cost_usd.toFixed(4)}` : '-',
    shortTime(meta.created_at),
    meta.title,
  ]);
  printOut(table(['ID', 'STATUS', 'EVENTS', 'COST', 'CREATED', 'TITLE'], rows));
  const damaged = summaries.filter((s) => s.problem);
  for (const s of damaged) printOut(`\n${s.problem}`);
  if (damaged.length) printOut('\n');
  return 0;
}

async function show(store: FileSessionStore, sessionId: string, json: boolean): Promise<number> {
  const meta = await store.get(sessionId);
  // The state from the fold's checkpoint; the events a page at a time (no whole log held).
  const { state } = await readSessionState(store, sessionId);
  const count = state.lastSeq;
  const pages = () => logPages(store, sessionId, count);
  if (json) {
    const threads = Object.values(state.threads).map((t) => ({
      id: t.id,
      agent_name: t.agentName,
      ...(t.agentVersion === undefined ? {} : { agent_version: t.agentVersion }),
      parent_thread_id: t.parentThreadId,
      status: t.status,
      ...(t.stopReason ? { stop_reason: t.stopReason } : {}),
      usage: t.usage,
      events: t.eventCount,
      pending_tool_uses: [...t.pendingToolUses.keys()],
    }));
    const head = { session: meta, status: state.status, usage: state.usage, threads };
    await writeJsonWithArray(head, 'events', pages(), printJsonText);
    return 0;
  }
  const agentOf = (threadId: string): string => state.threads[threadId]?.agentName ?? threadId;
  const row = (e: SessionEvent) => [String(e.seq), e.processed_at.slice(11, 23), agentOf(e.thread), e.type, summary(e)];
  const columns = new ColumnWidths(['SEQ', 'TIME', 'THREAD', 'TYPE', 'SUMMARY']);
  for await (const page of pages()) for (const e of page) columns.measure(row(e));
  const lines = [
    `${meta.id}  ${meta.title}`,
    `status:   ${statusText(state)}`,
    ...(meta.source ? [`source:   ${meta.source}`] : []),
    ...(meta.repository ? [`repo:     ${meta.repository}`] : []),
    ...(state.configured ? [`sandbox:  ${sandboxText(state.configured.sandbox)}`] : []),
    `created:  ${shortTime(meta.created_at)}`,
    `usage:    ${totalTokens(state.usage)} tokens (${state.usage.input_tokens} in, ${state.usage.output_tokens} out, ` +
      `${state.usage.cache_read_input_tokens} cache read), ${state.usage.model_requests} model requests, $${state.usage.cost_usd.toFixed(4)}`,
    '',
    'Threads:',
    ...renderThreadTree(state).map((l) => `  ${l}`),
    '',
    `Events (${count}):`,
  ];
  printOut(`${lines.join('\n')}\n`);
  printOut(`${columns.line(columns.header)}\n`);
  for await (const page of pages()) printOut(page.map((e) => `${columns.line(row(e))}\n`).join(''));
  return 0;
}

async function verify(store: FileSessionStore, sessionId: string): Promise<number> {
  const report = await store.verify(sessionId);
  if (report.ok) {
    printOut(`session ${sessionId}: log is whole (${report.records} records, ${report.bytes} bytes)\n`);
    return 0;
  }
  const damage = report.damage;
  if (damage?.tornTail) {
    printOut(
      `session ${sessionId}: torn last record at byte offset ${damage.byteOffset} (${damage.reason}); ` +
        `${report.records} whole records before it. It was never acknowledged; the next writer cuts it off.\n`,
    );
    return EXIT_TORN_TAIL;
  }
  printOut(
    `session ${sessionId}: log damaged at byte offset ${damage?.byteOffset ?? '?'}: ${damage?.reason ?? 'unknown'} ` +
      `(${report.records} whole records before it)\n`,
  );
  return 1;
}

async function exportTo(store: FileSessionStore, sessionId: string, out: string | undefined): Promise<number> {
  const meta = await store.get(sessionId);
  const count = (await readSessionState(store, sessionId)).state.lastSeq;
  const exporter = new SessionExporter({ env: process.env, version });
  const fd = out === undefined ? undefined : openSync(resolve(out), 'w');
  const write = (text: string): void => (fd === undefined ? printJsonText(text) : void writeSync(fd, text));
  try {
    write(exporter.header(meta, count));
    for await (const page of logPages(store, sessionId, count)) write(exporter.lines(page));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (out !== undefined) {
    const redactions = exporter.redactions;
    printErr(
      `exported ${count} events of ${sessionId} to ${resolve(out)} (${redactions} secret${redactions === 1 ? '' : 's'} redacted)\n`,
    );
  }
  return 0;
}

async function remove(store: FileSessionStore, sessionId: string, flags: SessionsFlags): Promise<number> {
  const meta = await store.get(sessionId); // an unknown id is refused before anything is touched
  // The runtime's delete, as the extension's Delete Session: its sandbox provider removes the session's
  // repositories, vault and containers (a branch delivered to the person's repository stays), then the store removes the log.
  const cli = await buildCliRuntime(
    { store: store.dir, ...(flags.repo ? { repo: flags.repo } : meta.repository ? { repo: meta.repository } : {}) },
    process.env,
    { needsModel: false },
  );
  try {
    await cli.runtime.delete(sessionId);
  } finally {
    await cli.dispose();
  }
  // A branch exists in the person's repository only once Agent OS delivered approved work there.
  const delivered = meta.repository
    ? (
        await openGit(meta.repository)
          .raw(['branch', '--list', `agent-os/${sessionId}`])
          .catch(() => '')
      ).trim() !== ''
    : false;
  printOut(
    `deleted session ${sessionId}${delivered ? ` (its branch agent-os/${sessionId} is kept in ${meta.repository})` : ''}\n`,
  );
  return 0;
}

function sandboxText(sandbox: { kind: string; confined: boolean }): string {
  return sandbox.confined ? sandbox.kind : `${sandbox.kind} — ${UNCONFINED_NOTICE} (read-only agents get no bash)`;
}

function statusText(state: SessionState): string {
  if (state.status === 'idle' && state.stopReason) {
    return state.stopReason.type === 'requires_action' ? 'waiting for you' : `idle (${state.stopReason.type})`;
  }
  return state.status;
}

/** One line about an event, for the events table. */
function summary(e: SessionEvent): string {
  const text = (content: Array<{ text: string }>): string => content.map((c) => c.text).join(' ');
  switch (e.type) {
    case 'user.message':
    case 'agent.message':
      return oneLine(text(e.content));
    case 'agent.tool_use':
      return `${e.name} ${oneLine(JSON.stringify(e.input) ?? '')} [${e.evaluated_permission}]`;
    case 'agent.tool_result':
      return `${e.is_error ? 'error: ' : ''}${oneLine(text(e.content))}`;
    case 'agent.thread_message_sent':
      return `to ${e.to_agent_name ?? e.to_session_thread_id}: ${oneLine(text(e.content))}`;
    case 'agent.thread_message_received':
      return `from ${e.from_agent_name ?? e.from_session_thread_id}: ${oneLine(text(e.content))}`;
    case 'user.tool_confirmation':
      return `${e.result} ${e.tool_use_id}${e.deny_message ? `: ${oneLine(e.deny_message)}` : ''}`;
    case 'session.status_idle':
    case 'session.thread_status_idle':
      return e.stop_reason.type;
    case 'session.thread_created':
      return `${e.agent_name}${e.agent_version ? ` v${e.agent_version}` : ''}${e.parent_thread_id ? '' : ' (primary)'}`;
    case 'session.error':
      return `${e.error.type}: ${oneLine(e.error.message)} (${e.error.retry_status.type})`;
    case 'span.model_request_start':
      return e.model;
    case 'span.model_request_end':
      return `${e.is_error ? 'error, ' : ''}${e.model_usage.input_tokens} in, ${e.model_usage.output_tokens} out, $${e.cost_usd.toFixed(4)}`;
    case 'agent_os.approval':
      return `${e.decision}${e.feedback ? `: ${oneLine(e.feedback)}` : ''}`;
    case 'agent_os.pull_request_opened':
      return `#${e.number} ${e.url}`;
    case 'agent_os.sandbox_unconfined':
      return `${e.kind}: ${UNCONFINED_NOTICE}`;
    case 'agent_os.wake':
      return e.recovered.length ? `recovered ${e.recovered.join(', ')}` : '';
    default:
      return '';
  }
}

function oneLine(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function shortTime(iso: string): string {
  return iso.replace('T', ' ').slice(0, 19);
}

function table(header: string[], rows: string[][]): string {
  const columns = new ColumnWidths(header);
  for (const r of rows) columns.measure(r);
  return [header, ...rows].map((r) => `${columns.line(r)}\n`).join('');
}
