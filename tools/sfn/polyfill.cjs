// aws-local-stepfunctions 3 calls Promise.withResolvers (Node 22); this
// adds it on Node 20. Load with NODE_OPTIONS=--require ./polyfill.cjs.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
