// Draws the tray and app icons into resources/ with no image library: shapes are
// computed per pixel (4×4 supersampled), written as PNG with zlib, and wrapped into
// PNG-in-ICO containers for Windows. Run: node scripts/make-icons.mjs (output is committed).
import { deflateSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (...p) => join(root, 'resources', ...p);

// ---------------------------------------------------------------- PNG
const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
export function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
export function ico(pngs) {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(({ size, data }, i) => {
    const e = 6 + i * 16;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(data.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += data.length;
  });
  return Buffer.concat([header, ...pngs.map((p) => p.data)]);
}

// ---------------------------------------------------------------- drawing
const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

/** layers: [{ inside(u, v) → boolean in unit coordinates, color: [r,g,b], alpha?: 0..1 }], painted in order. */
function render(size, layers) {
  const buf = Buffer.alloc(size * size * 4);
  const S = 4;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) / size;
          const v = (y + (sy + 0.5) / S) / size;
          // Porter-Duff "over" per sample, then averaged (premultiplied).
          let pr = 0, pg = 0, pb = 0, pa = 0;
          for (const l of layers) {
            if (!l.inside(u, v)) continue;
            const la = l.alpha ?? 1;
            if (l.erase) {
              pr *= 1 - la; pg *= 1 - la; pb *= 1 - la; pa *= 1 - la;
              continue;
            }
            pr = l.color[0] * la + pr * (1 - la);
            pg = l.color[1] * la + pg * (1 - la);
            pb = l.color[2] * la + pb * (1 - la);
            pa = la + pa * (1 - la);
          }
          r += pr; g += pg; b += pb; a += pa;
        }
      }
      const n = S * S;
      const A = a / n;
      const i = (y * size + x) * 4;
      buf[i] = A ? Math.round(r / n / A) : 0;
      buf[i + 1] = A ? Math.round(g / n / A) : 0;
      buf[i + 2] = A ? Math.round(b / n / A) : 0;
      buf[i + 3] = Math.round(A * 255);
    }
  }
  return buf;
}

const circle = (cx, cy, r) => (u, v) => (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
const ring = (cx, cy, r, w) => (u, v) => {
  const d = Math.hypot(u - cx, v - cy);
  return d <= r && d >= r - w;
};
const roundRect = (x0, y0, x1, y1, rad) => (u, v) => {
  const cx = Math.min(Math.max(u, x0 + rad), x1 - rad);
  const cy = Math.min(Math.max(v, y0 + rad), y1 - rad);
  return (u - cx) ** 2 + (v - cy) ** 2 <= rad * rad;
};

const COLORS = { running: hex('#2DA44E'), stopped: hex('#8C959F'), attention: hex('#E8A317') };
const BADGE = hex('#E5534B');
const BLACK = [0, 0, 0];

/** The tray mark: a ring (Anima's "o"); a filled core when running; a badge when it needs attention. */
function trayLayers(state, template) {
  const c = template ? BLACK : COLORS[state];
  const layers = [{ inside: ring(0.5, 0.5, 0.44, 0.13), color: c }];
  if (state === 'running') layers.push({ inside: circle(0.5, 0.5, 0.2), color: c });
  if (state === 'stopped') layers.push({ inside: circle(0.5, 0.5, 0.08), color: c, alpha: template ? 0.55 : 1 });
  if (state === 'attention') {
    layers.push({ inside: circle(0.5, 0.5, 0.2), color: c });
    // A gap around the badge so it reads at 16 px, then the badge.
    layers.push({ inside: circle(0.8, 0.2, 0.24), color: BLACK, erase: true });
    layers.push({ inside: circle(0.8, 0.2, 0.17), color: template ? BLACK : BADGE });
  }
  return layers;
}

function appLayers() {
  return [
    { inside: roundRect(0.06, 0.06, 0.94, 0.94, 0.2), color: hex('#3B3FD8') },
    { inside: (u, v) => roundRect(0.06, 0.06, 0.94, 0.94, 0.2)(u, v) && u + v > 1.1, color: hex('#6A3FD8'), alpha: 0.6 },
    { inside: ring(0.5, 0.5, 0.3, 0.08), color: hex('#FFFFFF') },
    { inside: circle(0.5, 0.5, 0.12), color: hex('#FFFFFF') },
  ];
}

function write(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  console.log(`${file.slice(root.length + 1)} (${data.length} bytes)`);
}

for (const state of ['running', 'stopped', 'attention']) {
  write(out('tray', 'linux', `${state}.png`), png(22, render(22, trayLayers(state, false))));
  write(out('tray', 'linux', `${state}@2x.png`), png(44, render(44, trayLayers(state, false))));
  write(out('tray', 'mac', `${state}Template.png`), png(18, render(18, trayLayers(state, true))));
  write(out('tray', 'mac', `${state}Template@2x.png`), png(36, render(36, trayLayers(state, true))));
  write(out('tray', 'win', `${state}.ico`), ico([16, 24, 32, 48].map((s) => ({ size: s, data: png(s, render(s, trayLayers(state, false))) }))));
}
write(out('icons', 'icon.png'), png(512, render(512, appLayers())));
write(out('icons', 'icon.ico'), ico([16, 24, 32, 48, 64, 128, 256].map((s) => ({ size: s, data: png(s, render(s, appLayers())) }))));
for (const s of [16, 32, 48, 64, 128, 256]) write(out('icons', `${s}x${s}.png`), png(s, render(s, appLayers())));
