/**
 * Reverse stress: per account, the smallest joint move of all non-stable prices (correlation one) that liquidates
 * it, each way, read off the risk report's crashMove (liquidation/price.ts bucketCrashMove: `down` in (-1, 0), -0.25
 * = a 25 % fall; `up` > 0; null when no such move). An account already liquidatable is liquidated by no move at
 * all: 0 both ways. `first`: the account liquidated first, i.e. with the largest `down` (closest to zero) and the
 * smallest `up`; ties go to the earlier account in file order; null when no account has a move that way.
 */
import type { RiskReport } from '../risk/report.ts';

export interface ReverseAccount {
  id: string;
  down: number | null;
  up: number | null;
}

export interface ReverseStress {
  accounts: ReverseAccount[];
  first: { down: string | null; up: string | null };
}

export function reverseStress(report: RiskReport): ReverseStress {
  const accounts = report.accounts.map((a): ReverseAccount => (a.liquidatable ? { id: a.id, down: 0, up: 0 } : { id: a.id, down: a.crashMove.down, up: a.crashMove.up }));
  let down: ReverseAccount | undefined;
  let up: ReverseAccount | undefined;
  for (const a of accounts) {
    if (a.down !== null && (down === undefined || a.down > down.down!)) down = a;
    if (a.up !== null && (up === undefined || a.up < up.up!)) up = a;
  }
  return { accounts, first: { down: down?.id ?? null, up: up?.id ?? null } };
}
