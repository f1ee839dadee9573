/**
 * The contract with the Glue scripts (glue-scripts/contract.json), typed. The scripts read the
 * same file through glue-scripts/contract.py, which `npm run contract` generates from it.
 */
import contractJson from "../glue-scripts/contract.json";

export const CONTRACT = contractJson;

/** The Python module the scripts import: the JSON as a Python literal, and nothing else. */
export function contractPythonSource(): string {
  const { description, ...contract } = CONTRACT;
  return [
    '"""The contract between the Pulumi program and these scripts. Generated from contract.json',
    'by `npm run contract`: edit contract.json, never this file."""',
    "",
    `# ${description}`.replace(/(.{1,96})(\s|$)/g, "$1\n# ").replace(/\n# $/, ""),
    `CONTRACT = ${JSON.stringify(contract, null, 4)}`,
    "",
  ].join("\n");
}
