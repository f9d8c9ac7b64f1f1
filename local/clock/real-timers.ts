/**
 * Node's own `setTimeout` and `clearTimeout`, captured before local Lambdas'
 * timers are moved onto the virtual clock (`stepfunctions/lambda-time.ts`).
 * The clock itself must wait in real time wherever it is called from,
 * including from inside a Lambda invocation.
 */
export const realSetTimeout: typeof globalThis.setTimeout = globalThis.setTimeout;
export const realClearTimeout: typeof globalThis.clearTimeout = globalThis.clearTimeout;
