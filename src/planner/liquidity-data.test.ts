import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateLiquidity, LIQUIDITY_ASSETS } from '../../tools/gen-liquidity.ts';

describe('data/liquidity', () => {
  it('every calibration file is what tools/gen-liquidity.ts derives from the bundled bars', async () => {
    const files = await generateLiquidity();
    expect(files.map((f) => f.asset)).toEqual([...LIQUIDITY_ASSETS]);
    for (const f of files) expect(readFileSync(f.path, 'utf8'), f.path).toBe(f.text);
  });
});
