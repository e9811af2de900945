/** Samples this process's resident set size every `intervalMs` while a dbferry copy runs. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private peak: NodeJS.MemoryUsage = process.memoryUsage();

  constructor(private readonly intervalMs = 50) {}

  start(): void {
    this.peak = process.memoryUsage();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const now = process.memoryUsage();
    if (now.rss > this.peak.rss) this.peak = now;
  }

  /** Stops sampling and returns the peak in bytes. */
  stop(): number {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.peak.rss;
  }

  /** process.memoryUsage() when the RSS peaked: how much of it was the JS heap, how much buffers. */
  atPeak(): NodeJS.MemoryUsage {
    return this.peak;
  }
}
