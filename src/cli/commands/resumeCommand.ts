// `agent-os resume <id>`: wakes a session from its log and carries on where it stopped.
import { parseArgs } from 'node:util';
import { AgentOsError } from '../../core/errors.ts';
import type { CliCommand } from '../cliCommand.ts';
import { buildCliRuntime, runtimeFlagOptions, runtimeFlagsHelp, type CliRuntime } from '../runtimeFlags.ts';
import { asksOnTerminal, decisionFlagOptions, decisionFromFlags, driveSession } from '../sessionDriver.ts';
import { printLine, printOut } from '../terminalOutput.ts';

const usage = `Usage: agent-os resume <session-id> [--approve | --reject <text>] [--allow-tools | --deny-tools <reason>] [options]\n  --approve / --reject <text>          decide the Reviewer's verdict\n  --allow-tools / --deny-tools <text>  answer tool calls that wait for confirmation (always_ask)
  --answers <file>                     answer the Planner's questions before the Coder starts (JSON array, or a line each)\n${runtimeFlagsHelp}\n`;

export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: 'wake a session from its log and continue it',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...runtimeFlagOptions, ...decisionFlagOptions, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      printOut(usage);
      return 0;
    }
    const [sessionId] = positionals;
    if (!sessionId || positionals.length > 1)
      throw new AgentOsError('INVALID_ARGUMENT', `give one session id\n${usage}`);
    const cli = await buildCliRuntime(values);
    try {
      await cli.store.get(sessionId);
      printLine(`resuming session ${sessionId}`);
      return await resumeDriven(cli, values, sessionId);
    } finally {
      await cli.dispose();
    }
  },
};

/** Runs a session on from its log until it stops, answering what the flags (or the terminal) answer. */
export function resumeDriven(
  cli: CliRuntime,
  values: Parameters<typeof decisionFromFlags>[0],
  sessionId: string,
): Promise<number> {
  return driveSession({
    runtime: cli.runtime,
    store: cli.store,
    sessionId,
    decision: decisionFromFlags(values),
    out: printLine,
    run: async () => {
      await cli.runtime.resume(sessionId);
      return undefined;
    },
    interactive: asksOnTerminal(values),
  });
}
