// Checks a PNG screenshot of the SVG report: not blank, and each series'
// colour present inside its own panel. A tiny PNG reader (8-bit RGB/RGBA,
// non-interlaced, as Chromium writes) on node's zlib: no npm package.
// Usage: node check-png.mjs FILE.png
import fs from "node:fs";
import zlib from "node:zlib";
import assert from "node:assert/strict";

const buf = fs.readFileSync(process.argv[2]);
assert.equal(buf.subarray(0, 8).toString("hex"), "89504e470d0a1a0a", "PNG signature");
let pos = 8, width, height, bitDepth, colorType, interlace;
const idat = [];
while (pos < buf.length) {
  const len = buf.readUInt32BE(pos), type = buf.toString("latin1", pos + 4, pos + 8);
  const data = buf.subarray(pos + 8, pos + 8 + len);
  if (type === "IHDR") {
    width = data.readUInt32BE(0); height = data.readUInt32BE(4);
    bitDepth = data[8]; colorType = data[9]; interlace = data[12];
  } else if (type === "IDAT") idat.push(data);
  pos += 12 + len;
}
assert.equal(bitDepth, 8); assert.equal(interlace, 0);
assert.ok(colorType === 2 || colorType === 6, `colour type ${colorType}`);
const bpp = colorType === 6 ? 4 : 3, stride = width * bpp;
const raw = zlib.inflateSync(Buffer.concat(idat));
const px = Buffer.alloc(height * stride);
for (let y = 0; y < height; y++) {
  const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
  for (let x = 0; x < stride; x++) {
    const a = x >= bpp ? px[y * stride + x - bpp] : 0, b = y > 0 ? px[(y - 1) * stride + x] : 0;
    const c = x >= bpp && y > 0 ? px[(y - 1) * stride + x - bpp] : 0;
    let v = line[x];
    if (f === 1) v += a; else if (f === 2) v += b; else if (f === 3) v += (a + b) >> 1;
    else if (f === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
    px[y * stride + x] = v & 0xff;
  }
}
const rgb = (x, y) => { const i = y * stride + x * bpp; return [px[i], px[i + 1], px[i + 2]]; };
const near = (p, hex, tol = 40) => {
  const q = [1, 3, 5].map((i) => parseInt(hex.substr(i, 2), 16));
  return Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]) <= tol;
};
// Count pixels of a colour in a band of rows (the panels of report-svg.c).
const count = (hex, y0, y1) => {
  let n = 0;
  for (let y = y0; y < Math.min(y1, height); y++) for (let x = 84; x < Math.min(1104, width); x++) if (near(rgb(x, y), hex)) n++;
  return n;
};

let nonWhite = 0; const colours = new Set();
for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
  const p = rgb(x, y); if (p[0] < 245 || p[1] < 245 || p[2] < 245) nonWhite++;
  colours.add((p[0] >> 4) << 8 | (p[1] >> 4) << 4 | p[2] >> 4);
}
const share = nonWhite / (width * height);
assert.ok(share > 0.15, `mostly blank: ${(share * 100).toFixed(1)} % non-white`);
assert.ok(colours.size > 50, `only ${colours.size} colours`);

const checks = {
  "measured speed in the speed panel": count("#1565c0", 116, 396),
  "target band in the speed panel": count("#c8e3f8", 116, 396) + count("#90caf9", 116, 396),
  "HR line in the HR panel": count("#d81b60", 430, 650),
  "zone 5 band in the HR panel": count("#ffcdd2", 430, 650),
  "zone 2 band in the HR panel": count("#e8f5e9", 430, 650, 12),
  "alpha1 line in its panel": count("#2e7d32", 684, 830),
  "crossover marker": count("#ff6f00", 116, 830),
};
for (const [what, n] of Object.entries(checks)) assert.ok(n > 40, `${what}: ${n} pixels`);
// Each series stays in its panel.
assert.ok(count("#d81b60", 116, 396) < 50, "HR line drawn outside its panel");
assert.ok(count("#2e7d32", 430, 650) < 50, "alpha1 line drawn outside its panel");
console.log(`PNG ok: ${width}x${height}, ${(share * 100).toFixed(0)} % drawn, ${colours.size} colours,`,
  JSON.stringify(checks));
