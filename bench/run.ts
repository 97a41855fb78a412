/**
 * `npm run bench [-- --json]`: speed figures. Results go to BENCHMARKS.md with the command and machine.
 * Benchmarks measure; tests never time anything.
 */
import os from 'node:os';
import { benchGreeks } from './greeks.ts';
import { benchRisk, benchRiskBreakdown } from './risk10k.ts';

const json = process.argv.includes('--json');
const log = (s: string): void => {
  if (!json) console.log(s);
};

const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

const greeks = benchGreeks();
log(`greeks: ${greeks.options.toLocaleString()} options priced with 6 Greeks in ${greeks.seconds.toFixed(3)} s -> ${(greeks.greeksPerSecond / 1e6).toFixed(2)} M options/s (one core)`);

const risk = benchRisk();
log(`risk report: ${risk.positions} positions in ${risk.accounts} accounts -> best ${risk.bestMs.toFixed(1)} ms, median ${risk.medianMs.toFixed(1)} ms`);

const breakdown = benchRiskBreakdown();
for (const b of breakdown) log(`  ${b.group.padEnd(24)} ${String(b.positions).padStart(6)} positions  ${b.bestMs.toFixed(1)} ms`);

if (json) {
  console.log(JSON.stringify({ machine, greeksPerSecond: Math.round(greeks.greeksPerSecond), risk10kMs: Number(risk.bestMs.toFixed(2)), risk10kMedianMs: Number(risk.medianMs.toFixed(2)), risk10kBreakdownMs: Object.fromEntries(breakdown.map((b) => [b.group, Number(b.bestMs.toFixed(2))])) }, null, 2));
}
