/** `npm run contract`: writes glue-scripts/contract.py from glue-scripts/contract.json. */
import { writeFileSync } from "fs";
import * as path from "path";
import { contractPythonSource } from "../lib/contract";

const target = path.join(__dirname, "..", "glue-scripts", "contract.py");
writeFileSync(target, contractPythonSource());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
