/**
 * One real moto_server for every CLI test file that talks to AWS, started on a free loopback port
 * the first time a test asks for it and stopped by its PID when mocha's root suite ends (also
 * after failures), or at the latest when the test process exits.
 */
import type { ChildProcess } from "child_process";
import { spawn } from "child_process";
import { createServer } from "net";

export interface MotoServer {
  endpoint: string;
  /** Forgets every resource, so each test file starts from an empty account. */
  reset(): Promise<void>;
  /** Queues Athena results: moto answers the next GetQueryResults calls with them, in order. */
  queueAthenaResults(
    region: string,
    results: { rows: unknown[]; column_info: unknown[] }[],
  ): Promise<void>;
  /** Makes a model's state advance only after `times` reads (moto's state manager), or as usual again. */
  holdState(model: string, times: number | undefined): Promise<void>;
}

const PYTHON = process.env.PYTHON ?? "python3";
const START_TIMEOUT_MS = 20_000;

let child: ChildProcess | undefined;
let starting: Promise<MotoServer> | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    return (await fetch(`${endpoint}/moto-api/`)).ok;
  } catch {
    return false;
  }
}

function stop(): void {
  if (child?.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
  child = undefined;
  starting = undefined;
}

async function start(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const stderr: string[] = [];
  child = spawn(PYTHON, ["-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<never>((_, reject) =>
    child?.once("exit", (code) =>
      reject(new Error(`moto_server exited with ${code}: ${stderr.join("").slice(-2000)}`)),
    ),
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  // A real wait for a real server to come up (not a sleep inside the code under test).
  while (!(await Promise.race([answers(endpoint), exited]))) {
    if (Date.now() > deadline) {
      stop();
      throw new Error(
        `moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms; is moto[server] installed for ${PYTHON}?`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  exited.catch(() => undefined);
  return {
    endpoint,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
    async queueAthenaResults(region, results) {
      const response = await fetch(`${endpoint}/moto-api/static/athena/query-results`, {
        method: "POST",
        body: JSON.stringify({ region, results }),
        headers: { "content-type": "application/json" },
      });
      if (response.status !== 201)
        throw new Error(`moto refused the Athena results: HTTP ${response.status}`);
    },
    async holdState(model, times) {
      const action = times === undefined ? "unset-transition" : "set-transition";
      const body =
        times === undefined
          ? { model_name: model }
          : { model_name: model, transition: { progression: "manual", times } };
      const response = await fetch(`${endpoint}/moto-api/state-manager/${action}`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      if (!response.ok)
        throw new Error(`moto refused the state transition for ${model}: HTTP ${response.status}`);
    },
  };
}

/** The shared server, started on first use. */
export function motoServer(): Promise<MotoServer> {
  starting ??= start();
  return starting;
}

// Root-level hook: runs once after every test file, whatever failed.
after(stop);
process.once("exit", stop);
