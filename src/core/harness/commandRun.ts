// A command the runtime itself runs in a thread's sandbox — a plan step's validation, the test suite behind
// a verdict — through the same Sandbox port and `bash` tool the agent uses, so it is confined exactly as the
// agent's own commands are. It runs in a fresh shell (`restart`): nothing the agent left in its shell (a
// changed directory, an exported PATH, a function named like the test runner) can change what it reports.
import { describeError } from '../errors.ts';
import type { CommandRunResult } from '../pipeline/planSteps.ts';
import type { Sandbox, ToolOutcome } from '../sandbox/sandbox.ts';
import { readCommandResult, testCounts } from '../tools/commandOutput.ts';

export async function runCommandInSandbox(
  sandbox: Sandbox,
  command: string,
  signal: AbortSignal | undefined,
  now: () => number = Date.now,
): Promise<CommandRunResult> {
  const started = now();
  let outcome: ToolOutcome;
  try {
    outcome = await sandbox.runTool({ name: 'bash', input: { command, restart: true } }, signal ? { signal } : {});
  } catch (error) {
    outcome = { content: `the command could not run: ${describeError(error)}`, is_error: true };
  }
  const durationMs = now() - started;
  const { exitCode, output } = readCommandResult(
    outcome.content.replace(/^\[shell restarted\]\n?/, ''),
    outcome.is_error,
  );
  const counts = testCounts(output);
  return { command, exitCode, output, durationMs, sandboxId: sandbox.id, ...(counts ?? {}) };
}
