/**
 * Concurrent reads of one key share a query, and every read is answered by a query that began
 * after it arrived: a read that comes while one is in flight waits for the next, which all the
 * reads that came meanwhile share. However many clients poll a batch, it costs at most one query
 * in flight (and one waiting). Written here because singleflight libraries share the query in
 * flight, which may have begun before the request did and miss a change its client was told of.
 */
export function coalesce<A extends unknown[], V>(
  load: (...args: A) => Promise<V>,
  keyOf: (...args: A) => string,
): (...args: A) => Promise<V> {
  const running = new Map<string, Promise<V>>();
  const waiting = new Map<string, Promise<V>>();
  const start = (key: string, args: A): Promise<V> => {
    const run: Promise<V> = load(...args).finally(() => {
      if (running.get(key) === run) running.delete(key);
    });
    running.set(key, run);
    return run;
  };
  return (...args: A) => {
    const key = keyOf(...args);
    const next = waiting.get(key);
    if (next) return next;
    const current = running.get(key);
    if (!current) return start(key, args);
    const queued = current
      .catch(() => undefined)
      .then(() => {
        waiting.delete(key);
        return start(key, args);
      });
    waiting.set(key, queued);
    return queued;
  };
}
