import type { CliCommand } from '../cliCommand.ts';

// Placeholder until its owner lands the real command.
export const sessionsCommand: CliCommand = {
  name: 'sessions',
  summary: '(not built yet)',
  async run() {
    process.stderr.write('agent-os: sessions is not built yet\n');
    return 1;
  },
};
