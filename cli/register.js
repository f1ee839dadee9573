// Runs the CLI's TypeScript without a build step: each .ts file is transpiled by SWC as Node
// loads it (type-stripping only, as ts-node's transpile-only mode does; `npm test` type-checks).
// It replaces ts-node in the bin because ts-node loads the TypeScript compiler (about 0.4 s)
// just to read tsconfig.json; the options below are tsconfig.json's that matter to emitted code.
"use strict";
const fs = require("fs");
const swc = require("@swc/core");

const OPTIONS = {
  jsc: { parser: { syntax: "typescript" }, target: "es2022" },
  module: { type: "commonjs" }, // with esModuleInterop's helpers, like tsc
  sourceMaps: "inline",
};

// Node maps stack traces through the inline maps, so an internal error names TypeScript lines.
process.setSourceMapsEnabled(true);

require.extensions[".ts"] = function compileTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  const { code } = swc.transformSync(source, { ...OPTIONS, filename });
  module._compile(code, filename);
};
