// Runs the CLI's TypeScript without a build step: each .ts file is transpiled by SWC as Node
// loads it (type-stripping only, as ts-node's transpile-only mode does; `npm test` type-checks).
// It replaces ts-node in the bin because ts-node loads the TypeScript compiler (about 0.4 s)
// just to read tsconfig.json; the options below are tsconfig.json's that matter to emitted code.
// What SWC emits is kept in node_modules/.cache, keyed by the source and the options, so a run
// whose files have not changed loads no compiler at all.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const OPTIONS = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" }, // with esModuleInterop's helpers, like tsc
  sourceMaps: "inline",
};
const SWC_VERSION = require("@swc/core/package.json").version;
const CACHE_DIR = path.join(__dirname, "..", "node_modules", ".cache", "ddbsnap-swc");

// Node maps stack traces through the inline maps, so an internal error names TypeScript lines.
process.setSourceMapsEnabled(true);

let swc;
function transpile(source, filename) {
  swc = swc || require("@swc/core");
  return swc.transformSync(source, { ...OPTIONS, filename }).code;
}

function cached(source, filename) {
  const key = crypto
    .createHash("sha256")
    .update(JSON.stringify([SWC_VERSION, OPTIONS, filename]))
    .update(source)
    .digest("hex");
  const file = path.join(CACHE_DIR, `${key}.js`);
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    const code = transpile(source, filename);
    try {
      // Written whole under a temporary name, then renamed: a concurrent run never reads half.
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const temporary = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temporary, code);
      fs.renameSync(temporary, file);
    } catch {
      // A read-only install: transpile every time.
    }
    return code;
  }
}

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  module._compile(cached(fs.readFileSync(filename, "utf8"), filename), filename);
};
