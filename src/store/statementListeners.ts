/**
 * Told of each statement a driver sends: the seconds until its answer came back (on the embedded
 * store, the round trip to its thread, waiting behind other statements included) and whether it
 * failed. The store knows nothing of what listens (the HTTP layer turns this into metrics).
 */
export type StatementListener = (seconds: number, failed: boolean) => void;

/** The listeners of one driver. Statements are timed with performance.now(): a number, nothing allocated. */
export class StatementListeners {
  private readonly listeners: StatementListener[] = [];

  add(listener: StatementListener): void {
    this.listeners.push(listener);
  }

  /** Reports a statement sent at `started` (performance.now()) that has just been answered. */
  answered(started: number, failed: boolean): void {
    if (this.listeners.length === 0) return;
    const seconds = (performance.now() - started) / 1000;
    for (const listener of this.listeners) listener(seconds, failed);
  }

  /** Waits for a statement's answer and reports it. */
  async timed<T>(started: number, answer: Promise<T>): Promise<T> {
    try {
      const result = await answer;
      this.answered(started, false);
      return result;
    } catch (err) {
      this.answered(started, true);
      throw err;
    }
  }
}
