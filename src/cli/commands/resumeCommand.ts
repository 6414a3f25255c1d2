import type { CliCommand } from '../cliCommand.ts';

// Placeholder until its owner lands the real command.
export const resumeCommand: CliCommand = {
  name: 'resume',
  summary: '(not built yet)',
  async run() {
    process.stderr.write('agent-os: resume is not built yet\n');
    return 1;
  },
};
