/**
 * Node 20 lacks Promise.withResolvers, which nock 15's interceptor library calls. Tests only: the
 * product never relies on it.
 */
const promiseStatics = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (value: T) => void; reject: (reason?: unknown) => void } };
if (!promiseStatics.withResolvers) {
  promiseStatics.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
