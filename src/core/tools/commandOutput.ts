// What a shell command's result says, read from the `agent.tool_result` text our bash tool writes
// (src/node/tools/bashSession.ts: output, then `[exit code N]` when it is not 0): the exit code, the
// output without that trailer, and test counts when the output is a test runner's.

export interface CommandResult {
  /** 0 for a success; the code from the trailer; null when the shell was killed or the text says nothing. */
  exitCode: number | null;
  /** The output as the terminal showed it (the trailer removed). */
  output: string;
}

const EXIT_TRAILER = /\n?\[exit code (-?\d+)\]\s*$/;
const KILLED_TRAILER = /\n?\[[^\]\n]*(?:killed|timed out|interrupted)[^\]\n]*\]\s*$/;

export function readCommandResult(text: string, isError: boolean): CommandResult {
  const exit = EXIT_TRAILER.exec(text);
  if (exit) return { exitCode: Number(exit[1]), output: text.slice(0, exit.index) };
  if (!isError) return { exitCode: 0, output: text };
  return { exitCode: null, output: text.replace(KILLED_TRAILER, (m) => `\n${m.trim()}`).trimEnd() };
}

export interface TestCounts {
  passed: number;
  failed: number;
}

// Summary lines of common runners. A run's summary comes at its end, so the last match counts.
const TAP_PASS = /^(?:#|ℹ)\s*pass\s+(\d+)\s*$/gm; // TAP and node --test ("# pass 8", spec reporter "ℹ pass 8")
const TAP_FAIL = /^(?:#|ℹ)\s*fail\s+(\d+)\s*$/gm;
const SUMMARIES: { re: RegExp; read: (m: RegExpExecArray) => TestCounts }[] = [
  // jest / vitest: "Tests: 1 failed, 12 passed, 13 total"
  {
    re: /^\s*Tests?:?\s+(?:(\d+) failed,\s*)?(\d+) passed/gm,
    read: (m) => ({ failed: Number(m[1] ?? 0), passed: Number(m[2]) }),
  },
  // mocha: "12 passing" then "1 failing"
  {
    re: /^\s*(\d+) passing\b(?:[\s\S]*?^\s*(\d+) failing\b)?/gm,
    read: (m) => ({ passed: Number(m[1]), failed: Number(m[2] ?? 0) }),
  },
  // pytest and plain summaries: "1 failed, 12 passed" / "12 passed, 0 failed"
  { re: /\b(\d+) failed,\s*(\d+) passed/g, read: (m) => ({ failed: Number(m[1]), passed: Number(m[2]) }) },
  { re: /\b(\d+) passed(?:,\s*(\d+) failed)?/g, read: (m) => ({ passed: Number(m[1]), failed: Number(m[2] ?? 0) }) },
];

function lastMatch(re: RegExp, text: string): RegExpExecArray | undefined {
  re.lastIndex = 0;
  let last: RegExpExecArray | undefined;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m;
  return last;
}

/** Pass and fail counts from a test runner's output, or undefined when it has none. */
export function testCounts(output: string): TestCounts | undefined {
  // Only the end matters, and a long log must not cost much.
  const text = output.length > 20_000 ? output.slice(-20_000) : output;
  const pass = lastMatch(TAP_PASS, text);
  const fail = lastMatch(TAP_FAIL, text);
  if (pass || fail) return { passed: Number(pass?.[1] ?? 0), failed: Number(fail?.[1] ?? 0) };
  for (const { re, read } of SUMMARIES) {
    const m = lastMatch(re, text);
    if (m) return read(m);
  }
  return undefined;
}

/** The last `lines` lines of `text`, each cut to `width` characters. */
export function outputTail(text: string, lines = 6, width = 200): string {
  const all = text.trimEnd().split('\n');
  return all
    .slice(-lines)
    .map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l))
    .join('\n');
}
