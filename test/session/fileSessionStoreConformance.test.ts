import { join } from 'node:path';
import { FileSessionStore } from '../../src/node/session/fileSessionStore.ts';
import { sessionStoreConformance } from '../conformance/sessionStoreConformance.ts';
import { makeTempDir } from './tempDir.ts';

sessionStoreConformance('FileSessionStore', async () => {
  const temp = makeTempDir();
  // A store folder that does not exist yet: the store makes it on first create.
  return {
    store: new FileSessionStore(join(temp.dir, 'sessions'), { followPollMs: 50 }),
    dispose: async () => temp.remove(),
  };
});
