// A new session: the versions of the agents it will run pinned (with a dollar budget, a model without a list
// price is refused), its sandbox kind chosen now, project memory and preferences read, and its first events
// written — all before the harness runs it, so a wake reads each of them from the log.
import { AgentOsError } from '../../core/errors.ts';
import { newId } from '../../core/events/ids.ts';
import type { SessionLog } from '../../core/harness/sessionLog.ts';
import { sessionStartEvents } from '../../core/pipeline/supervisor.ts';
import type { SessionMeta } from '../../core/session/sessionStore.ts';
import { readProjectMemory } from '../agents/projectMemory.ts';
import type { AgentCatalog } from './agentCatalog.ts';
import type { AgentOsRuntimeOptions } from './runtimeOptions.ts';
import { openSessionLog } from './sessionLogOpening.ts';

export interface NewSession {
  repository: string;
  primaryAgent: string;
  title: string;
  source: string;
  prompt: string;
  /** False: the person marked the session as not to learn preferences from. */
  learn?: boolean;
}

/** Creates the session and writes its first events; the log is returned open, for the run that follows. */
export async function createSession(
  options: AgentOsRuntimeOptions,
  input: NewSession,
): Promise<{ meta: SessionMeta; log: SessionLog }> {
  const catalog = options.agents(input.repository);
  const versions = await catalog.pinVersions(input.primaryAgent);
  await refuseUnpricedModels(options, catalog, versions);
  const sandbox = await options.sandboxes(input.repository).describe();
  const memory = await readProjectMemory(input.repository);
  const preferences = await options.preferences?.current(input.repository);
  const meta = await options.store.create({
    title: input.title,
    source: input.source,
    repository: input.repository,
    metadata: { primary_agent: input.primaryAgent, ...(input.learn === false ? { learn: 'no' } : {}) },
  });
  const log = await openSessionLog(options, meta.id);
  const budget = options.settings.budget;
  await log.appendMany(
    sessionStartEvents({
      primaryThreadId: newId('sthr'),
      primaryAgent: input.primaryAgent,
      versions,
      sandbox,
      prompt: input.prompt,
      memory,
      ...(preferences ? { preferences } : {}),
      ...(budget ? { budget } : {}),
    }),
  );
  return { meta, log };
}

/** As on the platform (`model_not_budgetable`): with a dollar budget every model must have a price,
 * or its spending would count as nothing and the cap would never hold. */
async function refuseUnpricedModels(
  options: AgentOsRuntimeOptions,
  catalog: AgentCatalog,
  versions: Record<string, number>,
): Promise<void> {
  const isPriced = options.isPriced;
  if (options.settings.budget?.maxUsd === undefined || !isPriced) return;
  const agents = await catalog.load(versions);
  const unpriced = [...agents.values()].filter((a) => !isPriced(a.model));
  if (unpriced.length > 0) {
    throw new AgentOsError(
      'INVALID_ARGUMENT',
      `a dollar budget is set, but ${unpriced.map((a) => `${a.name}'s model ${a.model}`).join(', ')} has no list price in Agent OS's price table: ` +
        'choose a priced model for it, or run without the dollar budget',
    );
  }
}
