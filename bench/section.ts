/**
 * Runs one benchmark section in its own process (so each starts with a clean heap and the scale
 * section's RSS is the engine's alone): `tsx bench/section.ts <section> <mode> <result.json>`.
 * Progress lines go to stdout; the SectionResult is written to the given file.
 */
import fs from 'node:fs';
import type { Mode, SectionResult } from './lib/common';

export const SECTIONS = ['throughput', 'api', 'timers', 'scale', 'compile', 'hostile', 'durability', 'jobs', 'postgres'] as const;
export type SectionName = (typeof SECTIONS)[number];

async function main(): Promise<void> {
  const [name, mode, out] = process.argv.slice(2) as [SectionName, Mode, string];
  if (!SECTIONS.includes(name) || !['full', 'quick', 'smoke'].includes(mode) || !out) {
    throw new Error('usage: tsx bench/section.ts <throughput|api|timers|scale|compile|hostile|durability|jobs|postgres> <full|quick|smoke> <result.json>');
  }
  const mod = (await import(`./sections/${name}`)) as { run: (ctx: { mode: Mode; log: (l: string) => void }) => Promise<SectionResult> };
  const result = await mod.run({ mode, log: (line) => console.log(`[${name}] ${line}`) });
  fs.writeFileSync(out, JSON.stringify(result));
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(`[section] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}
