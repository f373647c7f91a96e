#!/usr/bin/env node
// Reads V8 .cpuprofile files (from `node --cpu-prof`, e.g. written by `BENCH_CPU_PROF=1 pnpm bench`)
// and prints where the time went: the hottest functions by self time and by total time (self plus
// what they called), and self time by package.
//   node bench/src/cpu-profile-top.mjs bench/results/cpu-profiles/*.cpuprofile [count]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((arg) => arg.endsWith('.cpuprofile'));
const count = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 25);
if (files.length === 0) {
  process.stderr.write('usage: cpu-profile-top.mjs <file.cpuprofile>... [count]\n');
  process.exit(2);
}

/** `node_modules/.pnpm/<x>/node_modules/<pkg>/…` → pkg; our own dist → app or package name; node: internals. */
function packageOf(url) {
  if (!url) return '(native/V8)';
  if (url.startsWith('node:')) return 'node: built-ins';
  const modules = url.split('/node_modules/');
  if (modules.length > 1) {
    const rest = modules.at(-1).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const own = /\/(apps|packages)\/([^/]+)\//.exec(url);
  return own ? `${own[1]}/${own[2]}` : url;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const selfTime = new Map();
  // samples[i] ran for timeDeltas[i] µs (the delta belongs to the sample that ends it).
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index];
    selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
  }
  const total = [...selfTime.values()].reduce((sum, value) => sum + value, 0);
  const keyOf = (id) => {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    return `${functionName || '(anonymous)'}  ${url ? `${url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '')}:${lineNumber + 1}` : ''}`;
  };
  const byFunction = new Map();
  const byPackage = new Map();
  const inclusive = new Map();
  for (const [id, micros] of selfTime) {
    byFunction.set(keyOf(id), (byFunction.get(keyOf(id)) ?? 0) + micros);
    const pkg = packageOf(byId.get(id).callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + micros);
    // Every function on the stack gets the time once, however deep it recursed.
    const onStack = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) onStack.add(keyOf(at));
    for (const key of onStack) inclusive.set(key, (inclusive.get(key) ?? 0) + micros);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([key, micros]) => `  ${((100 * micros) / total).toFixed(1).padStart(5)} %  ${key}`)
      .join('\n');
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled\nself time by function:\n${top(byFunction, count)}\ntotal time by function:\n${top(inclusive, count)}\nself time by package:\n${top(byPackage, 15)}\n\n`);
}
