import type { CliCommand } from '../cliCommand.ts';

// Placeholder until its owner lands the real command.
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: '(not built yet)',
  async run() {
    process.stderr.write('agent-os: demo is not built yet\n');
    return 1;
  },
};
