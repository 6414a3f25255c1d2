import type { CliCommand } from '../cliCommand.ts';

// Placeholder until its owner lands the real command.
export const scriptedModelCommand: CliCommand = {
  name: 'scripted-model',
  summary: '(not built yet)',
  async run() {
    process.stderr.write('agent-os: scripted-model is not built yet\n');
    return 1;
  },
};
