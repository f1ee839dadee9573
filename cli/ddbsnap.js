#!/usr/bin/env node
// The `ddbsnap` command. cli/package.json names it as its "bin" and the project depends on cli/
// (`"ddbsnap": "file:cli"`), so `npm ci` links node_modules/.bin/ddbsnap and `npx ddbsnap` starts
// it straight away: a "bin" in the root package.json would make npx read the whole installed tree
// first (about 0.4 s). The CLI is TypeScript, like the program it shares its config and naming
// modules with; ./register.js transpiles it on the fly (no type check at startup: `npm test`
// type-checks).
"use strict";

// The AWS SDK warns on every run that its releases after January 2027 need Node 22; this project
// is pinned to Node 20 (see README), so for an operator it is noise. The SDK's own switch turns it
// off; setting the variable to anything else brings it back.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
}

// `ddbsnap plan | head` closes the pipe early: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error && error.code === "EPIPE") process.exit(process.exitCode || 0);
    throw error;
  });
}

require("./register");
// `plan` loads @pulumi/pulumi, which loads what only closure serialization needs (the TypeScript
// compiler, npm's Arborist): deferred until used, which the CLI never does (harness/pulumi-internals.ts).
require("../harness/pulumi-internals.ts").deferClosureSerializationDependencies();

const { main } = require("./main.ts");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // main() reports every error itself; reaching this is a bug.
    process.stderr.write(
      `ddbsnap: internal error: ${error && error.stack ? error.stack : error}\n`,
    );
    process.exitCode = 4;
  },
);
