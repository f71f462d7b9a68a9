export interface Deadline {
  /** Aborts when the caller aborts or when the time is up, whichever comes first. */
  readonly signal: AbortSignal;
  /** True when the deadline (not the caller) aborted the call. */
  timedOut(): boolean;
  /** True when the caller aborted the call. */
  callerAborted(): boolean;
  /** Stops the timer and detaches from the caller's signal; call it when the call ends. */
  dispose(): void;
}

/**
 * Like `AbortSignal.any([AbortSignal.timeout(ms), caller])`, but it tells which side fired and
 * it detaches from the caller's signal at the end: a worker passes one long-lived shutdown signal
 * to every call, and listeners left on it would pile up.
 */
export function startDeadline(timeoutMs: number, caller?: AbortSignal): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const onCallerAbort = () => controller.abort(caller?.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`timed out after ${timeoutMs} ms`, "TimeoutError"));
  }, timeoutMs);
  if (caller?.aborted) controller.abort(caller.reason);
  else caller?.addEventListener("abort", onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => timedOut && !caller?.aborted,
    callerAborted: () => caller?.aborted === true,
    dispose: () => {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onCallerAbort);
    },
  };
}
