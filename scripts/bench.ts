/**
 * Prints how long the program takes to declare a stack under Pulumi's mocks, and how much memory
 * it uses, for growing numbers of tables; and how fast config validation is. Figures, not
 * assertions: run with `npm run bench`.
 */
import { parseStackConfig } from "../lib/config";
import { runProgram } from "../harness/mock-program";

function tables(n: number): object[] {
  const formats = ["parquet", "csv", "json", "orc", "avro"];
  return Array.from({ length: n }, (_, i) => ({ name: `Table${i}`, format: formats[i % formats.length], workers: 2 + (i % 20) }));
}

async function main(): Promise<void> {
  // Warm up module loading so the first row measures the program, not ts-node.
  await runProgram({ tables: tables(1) });
  console.log("tables  resources  declare (ms)  heap used (MB)");
  for (const n of [1, 10, 50, 100]) {
    global.gc?.();
    const start = process.hrtime.bigint();
    const run = await runProgram({ tables: tables(n) });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const heap = process.memoryUsage().heapUsed / 2 ** 20;
    console.log(`${String(n).padStart(6)}  ${String(run.resources.length).padStart(9)}  ${ms.toFixed(0).padStart(12)}  ${heap.toFixed(0).padStart(14)}`);
  }
  const raw = { tables: tables(1000) };
  const rounds = 50;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) parseStackConfig(raw, "bench");
  const perRound = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  console.log(`config validation: ${perRound.toFixed(2)} ms for 1000 tables`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
