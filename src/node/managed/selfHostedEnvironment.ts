// The self-hosted environment Agent OS serves: made once per store folder and platform, its id kept in
// the managed state. A configured id is used as given and checked, so a typo is a clear error up front,
// not a session that never starts.
import type { Anthropic } from '@anthropic-ai/sdk';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { AgentOsError } from '../../core/errors.ts';
import type { ManagedStateFile } from './managedState.ts';
import { isNotFound, platformError } from './platformErrors.ts';

export async function ensureEnvironment(input: {
  client: Anthropic;
  state: ManagedStateFile;
  configuredId?: string;
  storeDir: string;
}): Promise<string> {
  const { client, state } = input;
  if (input.configuredId) {
    try {
      const environment = await client.beta.environments.retrieve(input.configuredId);
      if (environment.config.type !== 'self_hosted') {
        throw new AgentOsError(
          'INVALID_ARGUMENT',
          `environment ${environment.id} is a ${environment.config.type} environment; Agent OS serves self-hosted ones (its tools run in the local sandbox)`,
        );
      }
      return environment.id;
    } catch (error) {
      throw platformError(error, `looking up environment ${input.configuredId}`);
    }
  }
  const known = (await state.read()).environmentId;
  if (known) {
    try {
      return (await client.beta.environments.retrieve(known)).id;
    } catch (error) {
      // Deleted on the platform since: make a new one below.
      if (!isNotFound(error)) throw platformError(error, `looking up environment ${known}`);
    }
  }
  const name = `agent-os-${hostname()}-${createHash('sha256').update(input.storeDir).digest('hex').slice(0, 8)}`;
  let id: string;
  try {
    id = (
      await client.beta.environments.create({
        name,
        config: { type: 'self_hosted' },
        description: 'Tools run by Agent OS in its local sandbox',
      })
    ).id;
  } catch (error) {
    throw platformError(error, 'creating the self-hosted environment');
  }
  await state.update((s) => ({ ...s, environmentId: id }));
  return id;
}
