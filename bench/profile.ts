/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`, e.g. BENCH_CPU_PROF=dir npm run bench):
 * `tsx bench/profile.ts file.cpuprofile [top]` prints self time per function (file:function) and per
 * file, in % of the sampled time, idle excluded.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export function summarize(file: string, top = 25): string {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (id: number): { key: string; where: string; name: string } => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? path.relative(process.cwd(), url.replace(/^file:\/\//, '')) : '(native)';
    return { key: `${where}:${functionName || '(anonymous)'}:${lineNumber + 1}`, where, name: functionName };
  };
  // Inclusive time of the project's own functions (engine/, api/): a sample counts once per function on its stack.
  const inclusive = new Map<string, number>();
  profile.samples.forEach((leaf, i) => {
    const name = byId.get(leaf)!.callFrame.functionName;
    if (name === '(idle)' || name === '(program)') return;
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const k = keyOf(id);
      if (!/^(engine|api)\//.test(k.where) || seen.has(k.key)) continue;
      seen.add(k.key);
      inclusive.set(k.key, (inclusive.get(k.key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  });
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const { name, where, key } = keyOf(id);
    if (name === '(idle)' || name === '(program)') continue;
    total += us;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const group = where.includes('node_modules/') ? where.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'node_modules/$1') : where;
    files.set(group, (files.get(group) ?? 0) + us);
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>): string[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${pct(us)}  ${k}`);
  return [
    `${path.basename(file)}: ${(total / 1000).toFixed(0)} ms sampled (idle excluded)`,
    '-- self time by function',
    ...list(fn),
    '-- self time by file / package',
    ...list(files),
    '-- inclusive time of engine/ and api/ functions',
    ...list(inclusive),
  ].join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
  console.log(summarize(file, Number(top ?? 25)));
}
