// The sandbox attack suite (test/conformance/sandboxAttacks.ts) over every sandbox kind, each as a session's
// agents get it (test/conformance/attackedKinds.ts).
import { ATTACKED_KINDS } from '../conformance/attackedKinds.ts';
import { sandboxAttacks } from '../conformance/sandboxAttacks.ts';

for (const kind of Object.values(ATTACKED_KINDS)) sandboxAttacks(kind);
