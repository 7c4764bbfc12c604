/**
 * A one-at-a-time queue (xstate's Mailbox): tasks run strictly in arrival order and never overlap,
 * which is what makes an actor's state safe without locks. A failing task is reported to `onError`
 * and the queue moves on.
 */
export class Mailbox {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  get size(): number {
    return this.pending;
  }

  enqueue(task: () => Promise<void> | void): Promise<void> {
    this.pending++;
    const run = this.tail.then(async () => {
      try {
        await task();
      } catch (err) {
        this.onError(err);
      } finally {
        this.pending--;
      }
    });
    this.tail = run;
    return run;
  }

  /** Resolves once everything enqueued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
