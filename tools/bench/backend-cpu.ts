/**
 * CPU seconds (user + system, from /proc/<pid>/stat) that the PostgreSQL backends of some
 * databases spent while a case ran: on a machine other work shares, the servers' CPU is a
 * steadier figure than the wall clock. A backend is recognised by its process title
 * (`postgres: <user> <database> <host>(<port>) …`); backends alive at the start count from what
 * they had used then, those started meanwhile from zero. Sampled every `intervalMs`, so a backend
 * that exits between samples loses at most one interval's CPU. Linux only (null elsewhere).
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

function ticksOf(pid: number): number | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null; // exited
  }
}

export class BackendCpu {
  private timer: NodeJS.Timeout | undefined;
  /** Our backends: ticks when first seen (0 if started during the case) and the latest reading. */
  private readonly ours = new Map<number, { from: number; last: number; database: string }>();
  /** Titled processes that are not ours: never read again. */
  private readonly others = new Set<number>();
  constructor(
    private readonly databases: string[],
    private readonly intervalMs = 50,
  ) {}

  /** Whether /proc can be read here. */
  static available(): boolean {
    try {
      readFileSync('/proc/self/stat', 'utf8');
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    this.scan(true);
    this.timer = setInterval(() => this.scan(false), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the CPU seconds our backends used since start(), in all and per database. */
  stop(): { total: number; byDatabase: Record<string, number> } {
    this.scan(false);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const byDatabase: Record<string, number> = {};
    let total = 0;
    for (const { from, last, database } of this.ours.values()) {
      byDatabase[database] = (byDatabase[database] ?? 0) + (last - from) / TICKS_PER_SECOND;
      total += (last - from) / TICKS_PER_SECOND;
    }
    return { total, byDatabase };
  }

  private scan(first: boolean): void {
    let pids: string[];
    try {
      pids = readdirSync('/proc');
    } catch {
      return;
    }
    for (const name of pids) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || this.others.has(pid)) continue;
      const known = this.ours.get(pid);
      if (known) {
        const ticks = ticksOf(pid);
        if (ticks !== null) known.last = ticks;
        continue;
      }
      let title: string;
      try {
        title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      // A backend just forked still carries the postmaster's command line: looked at again next time.
      if (!title.startsWith('postgres: ')) {
        if (!title.includes('postgres')) this.others.add(pid);
        continue;
      }
      const database = this.databases.find((d) => title.includes(` ${d} `));
      if (!database) {
        this.others.add(pid);
        continue;
      }
      const ticks = ticksOf(pid);
      if (ticks !== null) this.ours.set(pid, { from: first ? ticks : 0, last: ticks, database });
    }
  }
}
