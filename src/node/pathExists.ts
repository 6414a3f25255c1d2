// Whether a path exists (file, folder, or a link whose target does), without throwing: the asynchronous
// check the sandbox and git helpers make before they create or clean something.
import { stat } from 'node:fs/promises';

export async function pathExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
