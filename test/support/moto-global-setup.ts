/**
 * Starts one moto server for a test project and stops it afterwards. Tests reach it through
 * AWS_ENDPOINT_URL, the SDK's and the CLI's standard variable (see moto-env.ts). The Python tools are found
 * once for the whole run (toolchain/python-tools.mjs, which prints the one line saying which are used) and
 * handed to every test worker.
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from '../../emulator/moto.js';
import { type PythonTools, pythonTools } from '../../toolchain/python-tools.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
    pythonTools: PythonTools;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const tools = await pythonTools();
  const moto = await startMoto({ command: tools.moto });
  project.provide('motoUrl', moto.url);
  project.provide('pythonTools', tools);
  return () => moto.stop();
}
