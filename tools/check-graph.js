// Fails when the Nx project graph has a dependency cycle between projects.
const graph = require(require('node:path').resolve(process.argv[2])).graph;
const deps = Object.fromEntries(Object.entries(graph.dependencies).map(([p, ds]) => [p, ds.map((d) => d.target).filter((t) => graph.nodes[t])]));
const state = {};
const cycle = [];
const visit = (p, path) => {
  if (state[p] === 'done') return false;
  if (state[p] === 'open') return cycle.push(...path.slice(path.indexOf(p)), p), true;
  state[p] = 'open';
  for (const d of deps[p] ?? []) if (visit(d, [...path, p])) return true;
  state[p] = 'done';
  return false;
};
for (const p of Object.keys(deps)) if (visit(p, [])) break;
if (cycle.length) {
  console.error(`project graph has a cycle: ${cycle.join(' -> ')}`);
  process.exit(1);
}
console.log(`project graph: ${Object.keys(graph.nodes).length} projects, no cycles`);
