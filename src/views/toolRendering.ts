// How file and shell tool calls read in the Event Log: a `write` or `edit` as an inline diff, a `bash`
// result as terminal output with its exit code, and paths inside the session's sandbox shown relative
// to the sandbox root (the agents' `glob` and `grep` answer with the absolute paths of their worktree).
import { structuredPatch } from 'diff';
import type { RowDiff, RowTerminal } from '../shared/eventLogProtocol.ts';
import { readCommandResult } from '../core/tools/commandOutput.ts';

/** Diff lines per row; longer changes are cut (Show Changes has them whole). */
export const DIFF_LINE_LIMIT = 160;
const DIFF_LINE_WIDTH = 400;
const TERMINAL_LIMIT = 4_000;

/** The diff of an `edit` (old and new text) or a `write` (against what an earlier write left, if any). */
export function toolDiff(
  name: string,
  input: unknown,
  previousContent: (path: string) => string | undefined,
): RowDiff | undefined {
  const i = (input ?? {}) as Record<string, unknown>;
  const path =
    typeof i['file_path'] === 'string' ? i['file_path'] : typeof i['path'] === 'string' ? i['path'] : undefined;
  if (path === undefined) return undefined;
  if (name === 'edit') {
    const before = i['old_string'] ?? i['old_str'];
    const after = i['new_string'] ?? i['new_str'];
    if (typeof before !== 'string' || typeof after !== 'string') return undefined;
    return diffOf(path, before, after, 'edit');
  }
  if (name === 'write') {
    const content = i['content'];
    if (typeof content !== 'string') return undefined;
    const previous = previousContent(path);
    return diffOf(path, previous ?? '', content, previous === undefined ? 'new-file' : 'previous-write');
  }
  return undefined;
}

function diffOf(path: string, before: string, after: string, base: RowDiff['base']): RowDiff {
  const patch = structuredPatch(path, path, withEol(before), withEol(after), '', '', { context: 3 });
  const lines: RowDiff['lines'] = [];
  let added = 0;
  let removed = 0;
  let omitted = 0;
  for (const hunk of patch.hunks) {
    const header = {
      kind: '@' as const,
      text: `lines ${hunk.newStart}–${hunk.newStart + Math.max(0, hunk.newLines - 1)}`,
    };
    if (lines.length < DIFF_LINE_LIMIT) lines.push(header);
    for (const line of hunk.lines) {
      const kind = line[0];
      if (kind === '\\') continue; // "\ No newline at end of file"
      if (kind === '+') added++;
      if (kind === '-') removed++;
      if (lines.length >= DIFF_LINE_LIMIT) {
        omitted++;
        continue;
      }
      const text = line.slice(1);
      lines.push({
        kind: kind === '+' || kind === '-' ? kind : ' ',
        text: text.length > DIFF_LINE_WIDTH ? `${text.slice(0, DIFF_LINE_WIDTH - 1)}…` : text,
      });
    }
  }
  const diff: RowDiff = { path, lines, added, removed, base };
  if (omitted) diff.omitted = omitted;
  return diff;
}

// An edit's fragments rarely end with a newline: compare them as whole lines.
function withEol(text: string): string {
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** A `bash` result as the terminal showed it. */
export function terminalOf(command: string, resultText: string, isError: boolean): RowTerminal {
  const { exitCode, output } = readCommandResult(resultText, isError);
  const terminal: RowTerminal = {
    command,
    output: output.length > TERMINAL_LIMIT ? output.slice(0, TERMINAL_LIMIT) : output,
    exitCode,
  };
  if (output.length > TERMINAL_LIMIT) terminal.outputLength = output.length;
  return terminal;
}

/**
 * Rewrites the absolute paths of the session's sandboxes in `text` as paths from the sandbox root.
 * A sandbox root is a directory named for the session (its worktree `…/<session id>`, a reviewer's
 * snapshot `…/<session id>-clean-<commit>/<thread id>`): whatever folder holds them, the session's
 * id in the path says it is the session's own.
 */
export function sandboxRelativizer(sessionId: string): (text: string) => string {
  if (!/^[A-Za-z0-9_-]+$/.test(sessionId)) return (text) => text;
  const root = new RegExp(
    `(?:/[^\\s/'"\`:]+)*/${sessionId}(?:-[A-Za-z0-9_-]+)?(?:/sthr_[A-Za-z0-9]+)?(/|(?=[\\s'"\`:,)]|$))`,
    'g',
  );
  return (text) => (text.includes(sessionId) ? text.replace(root, (_m, slash: string) => (slash ? '' : '.')) : text);
}
