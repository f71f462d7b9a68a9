/**
 * Resolves true when `p` settles within `ms`, false otherwise (`p` is left to run): the bound
 * every shutdown step gets, since closing a client can hang when its server is gone.
 */
export function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms), false);
    }),
  ]).finally(() => clearTimeout(timer));
}
