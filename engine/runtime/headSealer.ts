/**
 * Seals the chain heads of concurrent commands together. A command asks for its head's seal and gets
 * it in the event loop's next check phase, together with every command that asked in the meantime:
 * their heads are the leaves of one Merkle tree whose root the history key signs once (sealTree.ts).
 * Under load that is one Ed25519 signature for a whole group of commands (the group the store then
 * commits at once); a command alone gets a plain signature of its head, as before trees.
 */
import type { InstanceRow, SealedHead } from '../store/types';
import { sealAll } from './sealTree';
import { headPayload, type HistoryKey } from './sealing';

/** Heads one tree holds at most: its paths stay short (10 hashes) and a flood waits for no timer. */
export const MAX_HEADS_PER_SEAL = 1024;

interface Waiting {
  payload: string;
  resolve: (seal: string) => void;
  reject: (err: unknown) => void;
}

export class HeadSealer {
  private waiting: Waiting[] = [];
  private scheduled = false;

  constructor(
    private readonly key: HistoryKey,
    private readonly maxHeads = MAX_HEADS_PER_SEAL,
  ) {}

  /** The seal of `head`, the chain head `instance` commits with. */
  seal(instance: Pick<InstanceRow, 'id' | 'processId' | 'startedBy'>, head: { seq: number; hash: string }): Promise<SealedHead> {
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ payload: headPayload(instance, head), resolve, reject });
      if (this.waiting.length >= this.maxHeads) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    }).then((seal) => ({ seq: head.seq, hash: head.hash, seal, keyId: this.key.keyId }));
  }

  private flush(): void {
    const group = this.waiting.splice(0);
    let seals: string[];
    try {
      seals = sealAll(
        (payload) => this.key.sign(payload),
        group.map((w) => w.payload),
      );
    } catch (err) {
      for (const w of group) w.reject(err);
      return;
    }
    group.forEach((w, i) => w.resolve(seals[i]));
  }
}
