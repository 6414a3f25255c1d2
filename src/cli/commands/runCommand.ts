import type { CliCommand } from '../cliCommand.ts';

// Placeholder until its owner lands the real command.
export const runCommand: CliCommand = {
  name: 'run',
  summary: '(not built yet)',
  async run() {
    process.stderr.write('agent-os: run is not built yet\n');
    return 1;
  },
};
