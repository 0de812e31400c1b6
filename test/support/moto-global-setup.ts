/**
 * Starts one moto server for a test project and stops it afterwards. Tests reach it through
 * AWS_ENDPOINT_URL, the SDK's and the CLI's standard variable (see moto-env.ts).
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from '../../emulator/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoUrl', moto.url);
  return () => moto.stop();
}
