import { MemorySessionStore } from '../../src/core/session/memorySessionStore.ts';
import { sessionStoreConformance } from '../conformance/sessionStoreConformance.ts';

sessionStoreConformance('MemorySessionStore', async () => ({
  store: new MemorySessionStore(),
  dispose: async () => {},
}));
