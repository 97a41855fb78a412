/** `ballast risk [file] [--json]`: the whole book's margin, liquidation and Greeks. */
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import pc from 'picocolors';
import { loadPortfolioFile } from '../../io/portfolio-file.ts';
import { riskReport, type RiskReport } from '../../risk/report.ts';
import { num, pct, price, usd } from '../format.ts';
import type { Io } from '../main.ts';

export const DEFAULT_PORTFOLIO = fileURLToPath(new URL('../../../examples/multi-venue.yaml', import.meta.url));

export async function runRisk(file: string | undefined, opts: { json?: boolean }, io: Io): Promise<number> {
  const portfolio = await loadPortfolioFile(file ?? DEFAULT_PORTFOLIO);
  const report = riskReport(portfolio);
  io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : renderRisk(report, file ?? DEFAULT_PORTFOLIO));
  return 0;
}

export function renderRisk(r: RiskReport, source: string): string {
  const out: string[] = [pc.bold(`Ballast risk  ${source}  as of ${r.asOf}`), ''];
  const acc = new Table({
    head: ['account', 'venue/mode', 'equity', 'IM', 'MM', 'MM/equity', 'health', 'crash down', 'crash up', 'status'],
    style: { head: ['cyan'] },
  });
  for (const a of r.accounts) {
    acc.push([
      a.id,
      `${a.venue}/${a.mode}`,
      usd(a.equity),
      usd(a.initialMargin),
      usd(a.maintenanceMargin),
      pct(a.marginRatio),
      a.healthFactor === null ? 'no debt' : num(a.healthFactor, 3),
      pct(a.crashMove.down),
      pct(a.crashMove.up),
      a.liquidatable ? pc.red('LIQUIDATABLE') : a.healthFactor !== null && a.healthFactor < 1.25 ? pc.yellow('near') : pc.green('ok'),
    ]);
  }
  out.push(acc.toString(), '');
  const pos = new Table({
    head: ['account', 'position', 'qty', 'mark', 'value', 'uPnL', 'liq. price', 'distance', 'delta', 'gamma', 'vega/pt', 'theta/day'],
    style: { head: ['cyan'] },
  });
  for (const a of r.accounts) {
    for (const p of a.positions) {
      const name = p.kind === 'option' ? `${p.asset} ${p.right} ${p.strike} ${p.expiry?.slice(0, 10)}` : `${p.asset} ${p.kind}${p.settle === 'inverse' ? ' (inv)' : ''}`;
      pos.push([
        a.id,
        name,
        num(p.qty, 4),
        price(p.mark),
        usd(p.value),
        usd(p.unrealizedPnl),
        price(p.liquidationPrice),
        p.liquidatable ? pc.red(pct(p.distanceToLiquidation)) : pct(p.distanceToLiquidation),
        num(p.delta, 4),
        num(p.gamma, 6),
        num(p.vega, 0),
        num(p.theta, 0),
      ]);
    }
  }
  out.push(pos.toString(), '');
  const pf = new Table({ head: ['underlying', 'net delta', 'net delta USD', 'gamma', 'vega/pt', 'theta/day'], style: { head: ['cyan'] } });
  for (const [asset, u] of Object.entries(r.portfolio.underlyings)) {
    pf.push([asset, num(u.netDelta, 4), usd(u.netDeltaUsd), num(u.gamma, 6), num(u.vega, 0), num(u.theta, 0)]);
  }
  out.push(pf.toString());
  out.push(
    `portfolio equity ${usd(r.portfolio.equity)} USD   gross leverage ${num(r.portfolio.grossLeverage, 2)}x   net leverage ${num(r.portfolio.netLeverage, 2)}x`,
    '',
  );
  return out.join('\n');
}
