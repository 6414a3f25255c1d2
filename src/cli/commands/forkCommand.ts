// `agent-os fork <id> --at <event>`: a new session from one of a session's events — its log up to there, its
// files at the commit Agent OS recorded there — run on at once (unless --no-run), to try again from before a
// loop or a decision that went wrong. The source session is left as it is.
import { parseArgs } from 'node:util';
import { AgentOsError, StateConflictError } from '../../core/errors.ts';
import type { EventOfType } from '../../core/events/sessionEvent.ts';
import { findInLog } from '../../core/session/logPages.ts';
import type { CliCommand } from '../cliCommand.ts';
import { buildCliRuntime, runtimeFlagOptions, runtimeFlagsHelp } from '../runtimeFlags.ts';
import { decisionFlagOptions } from '../sessionDriver.ts';
import { printLine, printOut } from '../terminalOutput.ts';
import { resumeDriven } from './resumeCommand.ts';

const usage = `Usage: agent-os fork <session-id> --at <event-id | seq> [--no-run] [resume's options]
  --at <event>   the last event the fork keeps: an event id (sevt_…) or its number in the log (agent-os sessions show)
  --no-run       make the fork and print its id; agent-os resume <id> runs it later
  --approve, --reject, --allow-tools, --deny-tools, --answers: as for agent-os resume
${runtimeFlagsHelp}\n`;

export const forkCommand: CliCommand = {
  name: 'fork',
  summary: 'a new session from one event of a session, run on from there',
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...runtimeFlagOptions,
        ...decisionFlagOptions,
        at: { type: 'string' },
        'no-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
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
    if (!values.at)
      throw new AgentOsError('INVALID_ARGUMENT', `say which event to fork from with --at <event-id | seq>\n${usage}`);
    const cli = await buildCliRuntime(values);
    try {
      if (!('fork' in cli.runtime))
        throw new StateConflictError(
          'fork needs the local backend: on the managed backend the platform keeps the session',
        );
      const fork = await cli.runtime.fork(sessionId, values.at);
      // After the copied events: found a page at a time (a long prefix is never read whole).
      const forked = await findInLog(
        cli.store,
        fork.id,
        (e): e is EventOfType<'agent_os.session_forked'> => e.type === 'agent_os.session_forked',
      );
      const unrecorded = forked?.unrecorded_tool_use_ids.length ?? 0;
      printLine(
        `forked session ${sessionId} at event ${forked?.from_seq ?? values.at} into ${fork.id}; files at ${forked?.files_commit.slice(0, 12) ?? '?'}` +
          (unrecorded
            ? ` (${unrecorded} later call(s) that may have changed files are not in them; the agents are told)`
            : ''),
      );
      if (values['no-run']) return 0;
      return await resumeDriven(cli, values, fork.id);
    } finally {
      await cli.dispose();
    }
  },
};
