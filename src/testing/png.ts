/**
 * Test-only: a minimal PNG reader (non-interlaced, 8-bit RGB or RGBA, the format resvg writes), enough to check that
 * a rendered chart holds drawn pixels: the IHDR size, the pixels (zlib from node:zlib, scanline filters undone) and
 * a count of saturated pixels (chart series and marks are coloured; axes, grid and text are grey).
 */
import { inflateSync } from 'node:zlib';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** Channels per pixel: 3 (RGB) or 4 (RGBA). */
  readonly channels: 3 | 4;
  /** Unfiltered pixel bytes, row by row. */
  readonly pixels: Uint8Array;
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

export function decodePng(png: Uint8Array): DecodedPng {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (!PNG_SIGNATURE.every((b, i) => buf[i] === b)) throw new Error('not a PNG (signature)');
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 4;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= buf.length; ) {
    const length = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    const data = buf.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colour, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  if (width === 0 || height === 0) throw new Error('PNG without IHDR');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data holds ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[row + x - channels]! : 0;
      const b = y > 0 ? pixels[row - stride + x]! : 0;
      const c = x >= channels && y > 0 ? pixels[row - stride + x - channels]! : 0;
      const v = raw[src + x]!;
      const predicted = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(predicted)) throw new Error(`PNG row ${y}: unknown filter ${filter}`);
      pixels[row + x] = (v + predicted) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** Pixels whose largest and smallest RGB channels differ by more than `threshold` (coloured, not grey or white). */
export function saturatedPixels(img: DecodedPng, threshold = 80): number {
  let n = 0;
  for (let i = 0; i < img.pixels.length; i += img.channels) {
    const r = img.pixels[i]!;
    const g = img.pixels[i + 1]!;
    const b = img.pixels[i + 2]!;
    if (Math.max(r, g, b) - Math.min(r, g, b) > threshold) n++;
  }
  return n;
}
