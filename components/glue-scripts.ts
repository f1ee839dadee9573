import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { readFileSync } from "fs";
import * as path from "path";
import type { GlueScriptName } from "../lib/naming";
import { GLUE_SCRIPT_FILES, scriptKey } from "../lib/naming";

export const GLUE_SCRIPTS_DIR = path.join(__dirname, "..", "glue-scripts");

export interface GlueScriptObjectsArgs {
  bucket: pulumi.Input<string>;
}

/**
 * Uploads the Glue scripts to the bucket. The object's sourceHash is the file's SHA-256, so an
 * edited script is a changed resource and `pulumi up` redeploys it.
 */
export class GlueScriptObjects extends pulumi.ComponentResource {
  /** `s3://` location of each script, for the jobs' command.scriptLocation. */
  readonly locations: Record<GlueScriptName, pulumi.Output<string>>;

  constructor(name: string, args: GlueScriptObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ddbsnap:scripts:GlueScriptObjects", name, {}, opts);

    const upload = (script: GlueScriptName): pulumi.Output<string> => {
      const file = path.join(GLUE_SCRIPTS_DIR, GLUE_SCRIPT_FILES[script]);
      const object = new aws.s3.BucketObjectv2(
        `${name}-${script}`,
        {
          bucket: args.bucket,
          key: scriptKey(script),
          source: new pulumi.asset.FileAsset(file),
          sourceHash: createHash("sha256").update(readFileSync(file)).digest("hex"),
          contentType: "text/x-python",
        },
        { parent: this },
      );
      return pulumi.interpolate`s3://${object.bucket}/${object.key}`;
    };

    this.locations = Object.fromEntries(
      (Object.keys(GLUE_SCRIPT_FILES) as GlueScriptName[]).map((script) => [
        script,
        upload(script),
      ]),
    ) as Record<GlueScriptName, pulumi.Output<string>>;
    this.registerOutputs({ locations: this.locations });
  }
}
