// build.mjs - builds the dashboard into one folder that `scanbackup serve` serves as it is:
// our plain ES modules, HTML and CSS from src/, and uPlot's and Leaflet's files from node_modules.
// Usage: node build.mjs [SRC_DIR] [NODE_MODULES_DIR] [OUT_DIR]   (defaults: beside this file)
import { cp, mkdir, rm, copyFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.resolve(process.argv[2] ?? path.join(here, 'src'));
const modules = path.resolve(process.argv[3] ?? path.join(here, 'node_modules'));
const out = path.resolve(process.argv[4] ?? path.join(here, 'dist'));

const vendor = [
  ['uplot/dist/uPlot.esm.js', 'assets/vendor/uPlot.esm.js'],
  ['uplot/dist/uPlot.min.css', 'assets/vendor/uPlot.min.css'],
  ['uplot/LICENSE', 'assets/vendor/uPlot.LICENSE.txt'],
  ['leaflet/dist/leaflet-src.esm.js', 'assets/vendor/leaflet.esm.js'],
  ['leaflet/dist/leaflet.css', 'assets/vendor/leaflet.css'],
  ['leaflet/dist/images/layers.png', 'assets/vendor/images/layers.png'],
  ['leaflet/dist/images/layers-2x.png', 'assets/vendor/images/layers-2x.png'],
  ['leaflet/dist/images/marker-icon.png', 'assets/vendor/images/marker-icon.png'],
  ['leaflet/dist/images/marker-icon-2x.png', 'assets/vendor/images/marker-icon-2x.png'],
  ['leaflet/dist/images/marker-shadow.png', 'assets/vendor/images/marker-shadow.png'],
  ['leaflet/LICENSE', 'assets/vendor/leaflet.LICENSE.txt'],
];

async function count(dir) {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true }))
    n += e.isDirectory() ? await count(path.join(dir, e.name)) : 1;
  return n;
}

const tmp = out + '.tmp';
await rm(tmp, { recursive: true, force: true });
await cp(src, tmp, { recursive: true });
await mkdir(path.join(tmp, 'assets/vendor/images'), { recursive: true });
for (const [from, to] of vendor) {
  const f = path.join(modules, from);
  await stat(f).catch(() => {
    console.error(`build.mjs: ${f} is missing: run npm ci in ${path.dirname(modules)}`);
    process.exit(1);
  });
  await copyFile(f, path.join(tmp, to));
}
await rm(out, { recursive: true, force: true });
await cp(tmp, out, { recursive: true });
await rm(tmp, { recursive: true, force: true });
console.log(`build.mjs: ${await count(out)} files in ${out}`);
