// The attack suite (test/conformance/sandboxAttacks.ts) over a dev container on a machine where the OS sandbox
// does not work: the file tools then run on the host over the container's folder, with the folder's containers
// paused during each call (folderFreezer.ts: the SDK's confinement checks a path, then uses it, and the suite's
// race read the person's SSH key through that gap without the pause), and Agent OS's own git runs on the host.
// Apart from attackConformance.test.ts so that the test runner runs the two at once.
import { ATTACKED_KINDS } from '../conformance/attackedKinds.ts';
import { sandboxAttacks } from '../conformance/sandboxAttacks.ts';

sandboxAttacks({
  ...ATTACKED_KINDS.devcontainer,
  name: 'a dev container where the OS sandbox does not work',
  withoutOsSandbox: true,
});
