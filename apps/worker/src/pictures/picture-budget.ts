/**
 * Bytes of pictures one worker process may hold at once, counted as downloaded (before base64).
 *
 * Each downloaded byte is held about five times over until the model has the request: the downloaded Buffer (1),
 * its base64 data URL (4/3), the OpenAI SDK's JSON body string (4/3) and the encoded body handed to the socket (4/3).
 * 24 MiB of pictures are so about 120 MiB at peak. The worker's own peak, draining 2000 text messages at the
 * default concurrency, is about 205 MB (docs/benchmarks.md); together about 325 MiB, within the pod's 384 Mi limit
 * (deploy/k8s/worker.yaml) with room left for the garbage collector's lag. Without a budget, WORKER_CONCURRENCY
 * (20) vision jobs of 4 pictures of 10 MiB could ask for 4 GB.
 */
export const PICTURE_BUDGET_BYTES = 24 * 1024 * 1024;

/**
 * Bytes of pictures one question may bring, all of its pictures together: half the process' budget, so that two
 * questions with the largest pictures are read at once and a third waits. Pictures past it are not read, and
 * the answer says so. Also the largest one picture can be, whatever PICTURE_MAX_BYTES says.
 */
export const PICTURE_BYTES_PER_QUESTION = PICTURE_BUDGET_BYTES / 2;

/**
 * The largest one picture downloaded for the model; a larger one is not read, and the user is told. A phone photo is
 * a few MiB: 10 MiB takes any of them with room, below the 12 MiB a question may bring (`PICTURE_BYTES_PER_QUESTION`).
 */
export const PICTURE_MAX_BYTES = 10 * 1024 * 1024;

/** Bytes held from a `PictureBudget`, given back by `shrinkTo` or `release`. */
export interface PictureReservation {
  /** Gives back all but `bytes` (what was actually downloaded); never grows the reservation. */
  shrinkTo(bytes: number): void;
  /** Gives back everything; a second call does nothing. */
  release(): void;
}

/**
 * A semaphore on bytes: `reserve` waits until the bytes are free, in the order asked, so the pictures held by all
 * jobs of a process never pass the capacity. A job reserves what its pictures may take before downloading, then
 * shrinks the reservation to what they took, and releases it when the model has answered.
 */
export class PictureBudget {
  private free: number;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];

  constructor(readonly capacity: number) {
    this.free = capacity;
  }

  /** Bytes not reserved now. */
  get available(): number {
    return this.free;
  }

  async reserve(bytes: number): Promise<PictureReservation> {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes > this.capacity) {
      throw new RangeError(`cannot reserve ${bytes} bytes of a picture budget of ${this.capacity}`);
    }
    // Behind earlier waiters even when there is room: a large reservation is not starved by small ones.
    if (this.waiting.length === 0 && bytes <= this.free) this.free -= bytes;
    else await new Promise<void>((grant) => this.waiting.push({ bytes, grant }));
    let held = bytes;
    return {
      shrinkTo: (target) => {
        const kept = Math.max(0, Math.min(held, target));
        this.giveBack(held - kept);
        held = kept;
      },
      release: () => {
        this.giveBack(held);
        held = 0;
      },
    };
  }

  private giveBack(bytes: number): void {
    if (bytes <= 0) return;
    this.free += bytes;
    while (this.waiting.length > 0 && this.waiting[0]!.bytes <= this.free) {
      const next = this.waiting.shift()!;
      this.free -= next.bytes;
      next.grant();
    }
  }
}
