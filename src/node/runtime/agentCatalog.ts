// The agents a session may run, as the runtime needs them: versions pinned when a session starts, and
// the exact pinned versions loaded again on wake (editing a file mid-session never switches them).
import type { HarnessAgent } from '../../core/harness/harnessAgent.ts';

export interface AgentCatalog {
  /** Pins the current version of `primary` and of every agent it may call, transitively. Fails with
   * a clear error (naming the file and field) when one of them is malformed or missing. */
  pinVersions(primary: string): Promise<Record<string, number>>;
  /** The pinned agents, ready for the harness. */
  load(versions: Readonly<Record<string, number>>): Promise<Map<string, HarnessAgent>>;
}
