/**
 * Summarises a V8 CPU profile (from `npm run bench -- --cpu-prof`): self time per function and
 * per package / source area, so a missed target can be explained from a measurement.
 * `node -r ./tools/register.js tools/bench/profile-summary.ts <file.cpuprofile> [top] [--from=<µs>] [--to=<µs>]`
 * --from/--to keep the samples between two CLOCK_MONOTONIC instants in µs (the profile's own clock;
 * the bench prints them for each end-to-end run's phases, to cut the worker's whole-life profile).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** node_modules package, libs/<area>, or a V8 pseudo-frame such as (idle) and (garbage collector). */
function areaOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg) return pkg[1] as string;
  const lib = /\/(libs\/[^/]+(?:\/[^/]+)?\/src\/[^/]+)/.exec(frame.url);
  if (lib) return lib[1] as string;
  if (frame.url.startsWith('node:')) return frame.url;
  return frame.url.replace(/^.*\/work\/[^/]+\//, '');
}

function main(): void {
  const flags = new Map(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => [a.slice(2, a.indexOf('=')), Number(a.slice(a.indexOf('=') + 1))]));
  const [file, topArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [--from=<µs>] [--to=<µs>]');
  const from = flags.get('from') ?? -Infinity;
  const to = flags.get('to') ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error('--from and --to take CLOCK_MONOTONIC microseconds');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const perFunction = new Map<string, number>();
  const perArea = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (!node || at < from || at > to) return;
    total += dt;
    const f = node.callFrame;
    const name = `${f.functionName || '(anonymous)'}  ${areaOf(f)}:${f.lineNumber + 1}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + dt);
    perArea.set(areaOf(f), (perArea.get(areaOf(f)) ?? 0) + dt);
  });
  const print = (title: string, map: Map<string, number>) => {
    process.stdout.write(`${title}\n`);
    for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`  ${((v / total) * 100).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}\n`);
    }
  };
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s sampled\n`);
  print('self time by area', perArea);
  print('self time by function', perFunction);
}

main();
