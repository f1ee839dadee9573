/**
 * The one place this project touches a Pulumi SDK internal. Pulumi's mocks register resources
 * asynchronously, and no public API waits for the registrations a program has started without
 * also disconnecting the runtime (`runtime.disconnect`), which would end the mocks for the next
 * run. `runtime/settings.waitForRPCs` is what `disconnect` itself awaits. It is internal to
 * @pulumi/pulumi (pinned to 3.248.x); test/pulumi-internals.test.ts fails loudly if an upgrade
 * moves or changes it.
 */

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
