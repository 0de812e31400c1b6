/**
 * The function's process (see lambda-runtime.ts): imports the bundle once, then runs the handler for each
 * invocation the parent sends. Run as `node --import tsx lambda-worker.ts <bundle>`.
 */
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { InvokeRequest, SerializedError, WorkerReply } from './lambda-runtime.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

function serialize(error: unknown): SerializedError {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

function reply(message: WorkerReply, then?: () => void): void {
  process.send?.(message, undefined, undefined, () => then?.());
}

// The parent owns the lifecycle: Ctrl-C reaches the whole process group, and the parent stops us after the poller.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));

const bundle = process.argv[2];
let handler: Handler | undefined;
try {
  if (bundle === undefined) throw new Error('usage: lambda-worker.ts <bundle>');
  const loaded = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') throw new Error(`${bundle} exports no handler`);
  handler = loaded.handler as Handler;
} catch (error) {
  reply({ type: 'init-error', error: serialize(error) }, () => process.exit(1));
}

if (handler !== undefined) {
  const run = handler;
  process.on('message', (request: InvokeRequest) => {
    const context = {
      ...request.context,
      getRemainingTimeInMillis: () => Math.max(0, request.deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    } as Context;
    run(request.event, context).then(
      (result) => reply({ type: 'result', id: request.id, result }),
      (error: unknown) => reply({ type: 'error', id: request.id, error: serialize(error) }),
    );
  });
  reply({ type: 'ready' });
}
