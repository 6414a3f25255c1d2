// The agents' network, from the environment file's `network.agents`: off unless it names domains, and then
// only those, through the OS sandbox's proxy (a per-command allowlist, as the set-up's registries). Given to
// every sandbox the session opens for a thread — the agents' own and the runtime's test runs alike, which run
// the same test command; an agent whose definition gives it the network gets them too, as the OS sandbox has
// no other network to give (without named domains, opening its sandbox there says so). A dev container's
// network is on or off, never limited to domains: there agents stay offline and the ready event says why.
import type { SandboxRequest } from '../../core/sandbox/sandbox.ts';

export interface AgentNetwork {
  /** What agents' sandboxes may reach (empty: offline). */
  domains: string[];
  /** Why named domains are not what agents get, when they are not. */
  note?: string;
}

export function agentNetwork(named: readonly string[], sandboxKind: string): AgentNetwork {
  if (named.length === 0) return { domains: [] };
  if (sandboxKind === 'devcontainer') {
    return {
      domains: [],
      note: `network.agents names ${named.join(', ')}, but a dev container's network cannot be limited to domains: agents stay offline (the OS sandbox kind enforces the list through its proxy)`,
    };
  }
  return { domains: [...named] };
}

/** The request with the environment's domains, for a sandbox whose agent has no network of its own or one
 * without a list of domains (which the OS sandbox cannot give: its network is only ever named domains). */
export function withAgentNetwork(request: SandboxRequest, domains: readonly string[] | undefined): SandboxRequest {
  if (!domains || domains.length === 0 || request.allowedDomains) return request;
  return { ...request, network: true, allowedDomains: [...domains] };
}
