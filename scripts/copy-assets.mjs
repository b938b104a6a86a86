// Copies the browser builds of the npm packages Yiwang serves into internal/web/static/vendor,
// where go:embed picks them up. The folder is generated and ignored by git.
import { copyFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "internal", "web", "static", "vendor");
mkdirSync(vendor, { recursive: true });

const files = [
  ["htmx.org/dist/htmx.min.js", "htmx.min.js"],
  ["echarts/dist/echarts.min.js", "echarts.min.js"],
];
for (const [from, to] of files) {
  const src = join(root, "node_modules", from);
  if (!existsSync(src)) {
    console.error(`copy-assets: ${src} is missing; run npm ci`);
    process.exit(1);
  }
  copyFileSync(src, join(vendor, to));
}
console.log(`copy-assets: ${files.length} files into internal/web/static/vendor`);
