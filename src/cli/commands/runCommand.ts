// `agent-os run`: the whole pipeline on an issue, or one agent on a prompt, headless.
import { parseArgs } from 'node:util';
import { AgentOsError } from '../../core/errors.ts';
import type { CliCommand } from '../cliCommand.ts';
import { buildCliRuntime, runtimeFlagOptions, runtimeFlagsHelp } from '../runtimeFlags.ts';
import { asksOnTerminal, decisionFlagOptions, decisionFromFlags, driveSession } from '../sessionDriver.ts';
import { printLine, printOut } from '../terminalOutput.ts';

const usage = `Usage:
  agent-os run --issue <url|owner/repo#n|file> [--approve | --reject <text>] [options]
  agent-os run --task <text> [--approve | --reject <text>] [options]
  agent-os run --agent <name> --prompt <text> [options]
  --approve / --reject <text>          decide the Reviewer's verdict without being asked
  --allow-tools / --deny-tools <text>  answer tool calls that wait for confirmation (always_ask)
  --answers <file>                     answer the Planner's questions before the Coder starts (JSON array, or a line each)
  --no-learn                           do not learn preferences from this session's corrections
${runtimeFlagsHelp}
`;

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run the pipeline on an issue (or one agent on a prompt) headless',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        ...runtimeFlagOptions,
        issue: { type: 'string' },
        task: { type: 'string' },
        agent: { type: 'string' },
        prompt: { type: 'string' },
        'no-learn': { type: 'boolean' },
        ...decisionFlagOptions,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      printOut(usage);
      return 0;
    }
    const single = values.agent !== undefined || values.prompt !== undefined;
    if (single && (!values.agent || !values.prompt))
      throw new AgentOsError('INVALID_ARGUMENT', 'give both --agent and --prompt');
    if (!single && !values.issue && !values.task)
      throw new AgentOsError('INVALID_ARGUMENT', `give --issue, --task, or --agent with --prompt\n${usage}`);
    if (values.approve && values.reject !== undefined)
      throw new AgentOsError('INVALID_ARGUMENT', 'give --approve or --reject, not both');
    const cli = await buildCliRuntime(values);
    const out = printLine;
    const meta = single
      ? await cli.runtime.startSingleAgent({
          repository: cli.repository,
          agent: values.agent as string,
          prompt: values.prompt as string,
        })
      : await cli.runtime.start({
          repository: cli.repository,
          ...(values.issue ? { issue: values.issue } : { task: values.task as string }),
          ...(values['no-learn'] ? { learn: false } : {}),
        });
    out(`session ${meta.id}: ${meta.title}`);
    try {
      return await driveSession({
        runtime: cli.runtime,
        store: cli.store,
        sessionId: meta.id,
        decision: decisionFromFlags(values),
        out,
        run: () => cli.runtime.settled(meta.id),
        interactive: asksOnTerminal(values),
      });
    } finally {
      await cli.dispose();
    }
  },
};
