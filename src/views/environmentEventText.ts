// How the set-up's events read, one text for the Event Log and the CLI alike.
import type { EventOfType } from '../core/events/sessionEvent.ts';

type EnvironmentEvent = EventOfType<
  | 'agent_os.environment_setup_started'
  | 'agent_os.environment_output'
  | 'agent_os.environment_ready'
  | 'agent_os.environment_failed'
>;

const SOURCE: Record<string, string> = {
  environment_file: 'the environment file',
  devcontainer: 'the dev container',
  detected: 'detection',
  none: 'nothing to set up',
};

export function describeEnvironmentEvent(e: EnvironmentEvent): { title: string; body?: string; isError?: boolean } {
  switch (e.type) {
    case 'agent_os.environment_setup_started':
      return {
        title: `Setting up the environment (from ${SOURCE[e.source] ?? e.source}): ${e.commands.join(' && ')}`,
        body: [
          ...e.commands.map((c, i) => `${i + 1}. ${c}`),
          `network during set-up: ${e.allowed_domains.length ? e.allowed_domains.join(', ') : "the sandbox's"}`,
          `cache key ${e.cache_key}`,
        ].join('\n'),
      };
    case 'agent_os.environment_output':
      return { title: `Set-up output (command ${e.command_index + 1})`, body: e.text };
    case 'agent_os.environment_ready': {
      const what = e.dependency_dirs.length ? e.dependency_dirs.join(', ') : 'no dependencies';
      const seconds = (e.duration_ms / 1000).toFixed(1);
      return {
        title: `Environment ready${e.cached ? ' from the cache' : ''} in ${seconds} s: ${what}${e.test_command ? `; tests: ${e.test_command}` : ''}`,
        body: [
          `source: ${SOURCE[e.source] ?? e.source}`,
          `cache key ${e.cache_key}`,
          ...(e.copied_files.length ? [`copied: ${e.copied_files.join(', ')}`] : []),
          e.agent_domains?.length ? `agents may reach: ${e.agent_domains.join(', ')}` : 'agents run offline',
          ...(e.agent_network_note ? [e.agent_network_note] : []),
        ].join('\n'),
      };
    }
    case 'agent_os.environment_failed':
      return {
        title: `Environment set-up failed${e.command ? `: ${e.command}${e.exit_code !== undefined ? ` (exit code ${e.exit_code})` : ''}` : ''}`,
        body: `${e.message}${e.output_tail ? `\n\n${e.output_tail}` : ''}`,
        isError: true,
      };
  }
}
