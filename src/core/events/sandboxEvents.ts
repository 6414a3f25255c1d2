// Events about where a thread's tools work. The platform has no name for them, so they live under
// `agent_os.`; kept apart from sessionEvent.ts, which spreads them into its union.
import { z } from 'zod';
import type { SandboxWorkspace } from '../sandbox/sandbox.ts';

/** Which files a thread's sandbox holds (src/core/sandbox/sandbox.ts, SandboxWorkspace). */
export const SandboxWorkspaceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('session') }),
  z.object({ kind: z.literal('clean_room'), commit: z.string() }),
  z.object({ kind: z.literal('child'), key: z.string() }),
]);

// The schema and the port's type say the same thing: neither can grow a kind alone.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const sameWorkspace: Same<z.infer<typeof SandboxWorkspaceSchema>, SandboxWorkspace> = true;
void sameWorkspace;

export const sandboxPayloads = [
  /** A thread's workspace, recorded when it is first chosen (and when a new task moves a clean room to a
   * newer commit), before any tool runs there: a wake reads it instead of choosing again. */
  z.object({
    type: z.literal('agent_os.thread_workspace'),
    session_thread_id: z.string(),
    /** The session's sandbox kind it was chosen under; a record of another kind is not used. */
    sandbox_kind: z.string(),
    workspace: SandboxWorkspaceSchema,
    /** The host folder of its files, for people: a wake opens what the sandboxes derive from `workspace`,
     * never this path. */
    workdir: z.string(),
    /** The thread's agent works read-only there; a wake never opens it writable for the agent. */
    read_only: z.boolean(),
    /** Why the thread's earlier record was not used (garbled, not the session's), when this replaces one. */
    replaces_refused: z.string().optional(),
  }),
] as const;
