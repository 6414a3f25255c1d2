// `agent-os demo` (`npm run demo`): the whole pipeline, offline, on the embedded defaults: a sample
// repository made fresh from a fixture, the scripted model playing all four agents (or the real model
// when ANTHROPIC_API_KEY is set), a local GitHub stand-in, and a bare repository as the remote.
import { parseArgs } from 'node:util';
import type { CliCommand } from '../cliCommand.ts';
import { runDemo } from '../demoRun.ts';
import { parseBackend } from '../managedFlags.ts';
import { printLine, printOut } from '../terminalOutput.ts';

const usage = `Usage: agent-os demo [--dir <folder>] [--keep] [--pace <ms>] [--no-bubblewrap] [--backend local|managed]
  --dir <folder>   where to make the sample repository (default: a new temp folder)
  --keep           keep the folder afterwards (it is printed)
  --pace <ms>      pause between streamed events so the run can be watched (default 0)
  --backend managed  run the agents on a local stand-in of Claude Managed Agents, the tools on this machine's worker
With ANTHROPIC_API_KEY set, the agents run on the real model instead of the scripted one.
`;

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run the whole pipeline offline on a sample repository',
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        dir: { type: 'string' },
        keep: { type: 'boolean' },
        pace: { type: 'string' },
        'no-bubblewrap': { type: 'boolean' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      printOut(usage);
      return 0;
    }
    return runDemo({
      ...(values.dir ? { dir: values.dir } : {}),
      keep: Boolean(values.keep),
      paceMs: values.pace ? Math.max(0, Number(values.pace) || 0) : 0,
      bubblewrap: values['no-bubblewrap'] ? 'off' : 'auto',
      backend: parseBackend(values.backend),
      out: printLine,
      env: process.env,
    });
  },
};
