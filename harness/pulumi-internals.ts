/**
 * The one place this project touches Pulumi SDK internals (two of them, both pinned to
 * @pulumi/pulumi 3.248.x; test/pulumi-internals.test.ts fails loudly if an upgrade moves them).
 *
 * 1. Pulumi's mocks register resources
 * asynchronously, and no public API waits for the registrations a program has started without
 * also disconnecting the runtime (`runtime.disconnect`), which would end the mocks for the next
 * run. `runtime/settings.waitForRPCs` is what `disconnect` itself awaits.
 * 2. Loading `@pulumi/pulumi` loads, for closure serialization only, the TypeScript compiler
 *    (through its `typescript-shim.js`) and npm's Arborist: 0.4 s of the CLI's 0.7 s start of
 *    `ddbsnap plan`, which serializes no closure. deferClosureSerializationDependencies makes
 *    both load on first use instead.
 */
import * as path from "path";

interface PulumiSettings {
  waitForRPCs?: () => Promise<void>;
}

export const INTERNAL_MODULE = "@pulumi/pulumi/runtime/settings";

/** Resolves once every resource registration started so far has reached the mocks. */
export async function waitForPendingRegistrations(): Promise<void> {
  const settings = require(INTERNAL_MODULE) as PulumiSettings;
  if (typeof settings.waitForRPCs !== "function") {
    throw new Error(
      `${INTERNAL_MODULE} no longer exports waitForRPCs: this @pulumi/pulumi upgrade broke harness/pulumi-internals.ts ` +
        "(see its comment); find what runtime.disconnect awaits in the new SDK",
    );
  }
  await settings.waitForRPCs();
}

/** Pulumi's own modules whose loading the CLI defers: the TypeScript shim and Arborist. */
export const DEFERRED_MODULES = ["@pulumi/pulumi/typescript-shim", "@npmcli/arborist"] as const;

/**
 * Puts a stand-in for each of DEFERRED_MODULES in Node's module cache that loads the real module
 * the first time anything reads from it. Call before @pulumi/pulumi is first loaded; a no-op for
 * a module already loaded. The stand-in says it is an ES module, so TypeScript's import helpers
 * keep it as it is instead of copying (and so loading) every export at import time.
 */
export function deferClosureSerializationDependencies(): void {
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  for (const id of DEFERRED_MODULES) {
    const file = require.resolve(id, { paths: [pulumiDir] });
    if (require.cache[file]) continue;
    let real: Record<string | symbol, unknown> | undefined;
    const load = () => {
      if (!real) {
        delete require.cache[file];
        real = require(file);
      }
      return real!;
    };
    const standIn = new Proxy(
      {},
      {
        get: (_, key) => (key === "__esModule" ? true : load()[key]),
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor: (_, key) => Object.getOwnPropertyDescriptor(load(), key),
      },
    );
    const Module = require("module") as { new (id: string): NodeJS.Module };
    const module = new Module(file);
    module.filename = file;
    module.loaded = true;
    module.exports = standIn;
    require.cache[file] = module;
  }
}
