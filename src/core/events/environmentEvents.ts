// Events of a session's set-up phase (dependencies and toolchain, before any agent runs). The platform has
// no name for them, so they live under `agent_os.`; each is on the session's primary thread. Kept apart from
// sessionEvent.ts, which spreads them into its union.
import { z } from 'zod';

/** Where the set-up came from, in the order they are looked for. */
export const EnvironmentSource = z.enum(['environment_file', 'devcontainer', 'detected', 'none']);
export type EnvironmentSource = z.infer<typeof EnvironmentSource>;

export const environmentPayloads = [
  z.object({
    type: z.literal('agent_os.environment_setup_started'),
    source: EnvironmentSource,
    /** The commands, in order, as the person confirmed or the environment file names them. */
    commands: z.array(z.string()),
    cache_key: z.string(),
    /** Domains the set-up may reach (through the OS sandbox's proxy; informational where it has none). */
    allowed_domains: z.array(z.string()),
  }),
  z.object({
    type: z.literal('agent_os.environment_output'),
    /** Index into the started event's `commands`. */
    command_index: z.number().int().nonnegative(),
    /** A chunk of the command's combined output, in order. */
    text: z.string(),
  }),
  z.object({
    type: z.literal('agent_os.environment_ready'),
    source: EnvironmentSource,
    /** True when the dependencies came from the cache and no command ran. */
    cached: z.boolean(),
    cache_key: z.string(),
    test_command: z.string().optional(),
    /** Folders the set-up made that every sandbox of the session gets (a copy from the cache). */
    dependency_dirs: z.array(z.string()),
    /** Git-ignored files the environment file named, copied into the session's sandboxes. */
    copied_files: z.array(z.string()),
    /** Domains agents' sandboxes may reach (the environment file's `network.agents`), through the OS sandbox's
     * proxy; absent or empty: agents run offline. */
    agent_domains: z.array(z.string()).optional(),
    /** Why domains the environment file named for agents are not what they get (a kind that cannot limit). */
    agent_network_note: z.string().optional(),
    duration_ms: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('agent_os.environment_failed'),
    /** The command that failed, when one did (absent for an invalid environment file). */
    command: z.string().optional(),
    exit_code: z.number().int().optional(),
    /** The last lines of its output. */
    output_tail: z.string(),
    message: z.string(),
  }),
] as const;
