function riptideStealth(cfg) {
  'use strict';
  const F = cfg.features || {};
  const seen = new WeakSet();
  // Functions we replace must still print as native code, or a page that
  // calls toString on them finds the patch.
  const nativeNames = new WeakMap();
  const origToString = Function.prototype.toString;
  function markNative(fn, name) { nativeNames.set(fn, name); return fn; }
  function installToString(win) {
    const FP = win.Function.prototype;
    const orig = FP.toString;
    const patched = function toString() {
      if (nativeNames.has(this)) return 'function ' + nativeNames.get(this) + '() { [native code] }';
      return orig.call(this);
    };
    markNative(patched, 'toString');
    Object.defineProperty(FP, 'toString', { value: patched, writable: true, configurable: true, enumerable: false });
  }
  function defineGetter(obj, prop, value) {
    const getter = markNative(function () { return typeof value === 'function' ? value.call(this) : value; }, 'get ' + prop);
    try { Object.defineProperty(obj, prop, { get: getter, configurable: true, enumerable: true }); } catch (e) {}
  }
  function replaceMethod(obj, name, make) {
    if (!obj || typeof obj[name] !== 'function') return;
    const orig = obj[name];
    const repl = make(orig);
    markNative(repl, name);
    try { Object.defineProperty(obj, name, { value: repl, writable: true, configurable: true, enumerable: false }); } catch (e) {}
  }
  // A small deterministic PRNG so noise is stable within a session.
  function rng(seed) {
    let s = seed >>> 0;
    return function () { s = (s + 0x6D2B79F5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  }

  function apply(win) {
    if (!win || seen.has(win)) return;
    seen.add(win);
    try { installToString(win); } catch (e) {}
    const nav = win.navigator;
    const NavProto = win.Navigator && win.Navigator.prototype;

    if (F.webdriver && NavProto) defineGetter(NavProto, 'webdriver', false);

    if (F.languages && NavProto && cfg.languages) {
      const langs = Object.freeze(cfg.languages.slice());
      defineGetter(NavProto, 'languages', function () { return langs; });
      defineGetter(NavProto, 'language', cfg.languages[0]);
    }

    if (F.hardware && NavProto) {
      defineGetter(NavProto, 'hardwareConcurrency', cfg.cores);
      defineGetter(NavProto, 'deviceMemory', cfg.memory);
    }

    if (F.plugins && NavProto && nav.plugins && nav.plugins.length === 0) {
      // Chrome has listed the same five PDF viewers since M94; a build
      // without them is the headless shell.
      const names = ['PDF Viewer', 'Chrome PDF Viewer', 'Chromium PDF Viewer', 'Microsoft Edge PDF Viewer', 'WebKit built-in PDF'];
      const mime = [{ type: 'application/pdf', suffixes: 'pdf', description: 'Portable Document Format' },
                    { type: 'text/pdf', suffixes: 'pdf', description: 'Portable Document Format' }];
      const plugins = names.map(n => { const p = Object.create(win.Plugin.prototype); Object.defineProperties(p, { name: { value: n }, filename: { value: 'internal-pdf-viewer' }, description: { value: 'Portable Document Format' }, length: { value: mime.length } }); return p; });
      const mimes = mime.map(m => { const o = Object.create(win.MimeType.prototype); Object.defineProperties(o, { type: { value: m.type }, suffixes: { value: m.suffixes }, description: { value: m.description }, enabledPlugin: { value: plugins[0] } }); return o; });
      const mkArray = (proto, items, key) => { const a = Object.create(proto); items.forEach((it, i) => { Object.defineProperty(a, i, { value: it, enumerable: true }); Object.defineProperty(a, it[key], { value: it }); }); Object.defineProperty(a, 'length', { value: items.length }); a.item = markNative(function item(i) { return items[i] || null; }, 'item'); a.namedItem = markNative(function namedItem(n) { return items.find(x => x[key] === n) || null; }, 'namedItem'); return a; };
      const pa = mkArray(win.PluginArray.prototype, plugins, 'name');
      const ma = mkArray(win.MimeTypeArray.prototype, mimes, 'type');
      defineGetter(NavProto, 'plugins', function () { return pa; });
      defineGetter(NavProto, 'mimeTypes', function () { return ma; });
    }

    if (F.webgl) {
      const UNMASKED_VENDOR = 0x9245, UNMASKED_RENDERER = 0x9246, VENDOR = 0x1F00, RENDERER = 0x1F01;
      for (const C of [win.WebGLRenderingContext, win.WebGL2RenderingContext]) {
        if (!C) continue;
        replaceMethod(C.prototype, 'getParameter', orig => function getParameter(p) {
          if (p === UNMASKED_VENDOR) return cfg.webglVendor;
          if (p === UNMASKED_RENDERER) return cfg.webglRenderer;
          if (p === VENDOR) return 'WebKit';
          if (p === RENDERER) return 'WebKit WebGL';
          return orig.apply(this, arguments);
        });
      }
    }

    if (F.viewport_screen) {
      // A headless window has no browser frame around the page; a real one
      // is taller outside than inside.
      defineGetter(win, 'outerWidth', function () { return win.innerWidth; });
      defineGetter(win, 'outerHeight', function () { return win.innerHeight + 85; });
      defineGetter(win, 'screenX', 0);
      defineGetter(win, 'screenY', 0);
    }

    if (F.permissions && win.Permissions && win.Notification) {
      replaceMethod(win.Permissions.prototype, 'query', orig => function query(desc) {
        if (desc && desc.name === 'notifications') {
          const perm = win.Notification.permission;
          const state = perm === 'default' ? 'prompt' : perm;
          return orig.apply(this, arguments).then(status => {
            try { Object.defineProperty(status, 'state', { value: state, configurable: true }); } catch (e) {}
            return status;
          }, () => ({ state: state, name: 'notifications', onchange: null }));
        }
        return orig.apply(this, arguments);
      });
      // Headless starts with notifications denied; a new profile has "default".
      if (win.Notification.permission === 'denied') defineGetter(win.Notification, 'permission', 'default');
    }

    if (F.chrome_runtime) {
      if (!win.chrome) Object.defineProperty(win, 'chrome', { value: {}, writable: true, configurable: true, enumerable: true });
      const c = win.chrome;
      const now = () => win.performance.timing;
      if (!c.app) c.app = { isInstalled: false, InstallState: { DISABLED: 'disabled', INSTALLED: 'installed', NOT_INSTALLED: 'not_installed' }, RunningState: { CANNOT_RUN: 'cannot_run', READY_TO_RUN: 'ready_to_run', RUNNING: 'running' }, getDetails: markNative(function getDetails() { return null; }, 'getDetails'), getIsInstalled: markNative(function getIsInstalled() { return false; }, 'getIsInstalled') };
      if (!c.csi) c.csi = markNative(function csi() { const t = now(); return { onloadT: t.domContentLoadedEventEnd, startE: t.navigationStart, pageT: Date.now() - t.navigationStart, tran: 15 }; }, 'csi');
      if (!c.loadTimes) c.loadTimes = markNative(function loadTimes() { const t = now(); return { requestTime: t.navigationStart / 1000, startLoadTime: t.navigationStart / 1000, commitLoadTime: t.responseStart / 1000, finishDocumentLoadTime: t.domContentLoadedEventEnd / 1000, finishLoadTime: t.loadEventEnd / 1000, firstPaintTime: t.responseEnd / 1000, navigationType: 'Other', wasFetchedViaSpdy: false, wasNpnNegotiated: true, npnNegotiatedProtocol: 'h2', wasAlternateProtocolAvailable: false, connectionInfo: 'h2' }; }, 'loadTimes');
      if (!c.runtime && win.location && win.location.protocol === 'https:') {
        c.runtime = { OnInstalledReason: { CHROME_UPDATE: 'chrome_update', INSTALL: 'install', SHARED_MODULE_UPDATE: 'shared_module_update', UPDATE: 'update' }, PlatformOs: { ANDROID: 'android', CROS: 'cros', LINUX: 'linux', MAC: 'mac', OPENBSD: 'openbsd', WIN: 'win' }, connect: markNative(function connect() { throw new TypeError('Error in invocation of runtime.connect'); }, 'connect'), sendMessage: markNative(function sendMessage() { throw new TypeError('Error in invocation of runtime.sendMessage'); }, 'sendMessage'), id: undefined };
      }
    }

    if (F.canvas_noise) {
      const rand = rng(cfg.seed);
      const noisy = new WeakSet();
      const addNoise = (ctx, w, h) => {
        if (!ctx || w === 0 || h === 0) return;
        try {
          const img = origGetImageData.call(ctx, 0, 0, w, h);
          const r2 = rng(cfg.seed ^ (w * 131 + h));
          for (let i = 0; i < 10; i++) { const px = Math.floor(r2() * w * h) * 4; img.data[px] = img.data[px] ^ 1; }
          ctx.putImageData(img, 0, 0);
        } catch (e) {}
      };
      const C2D = win.CanvasRenderingContext2D && win.CanvasRenderingContext2D.prototype;
      const origGetImageData = C2D && C2D.getImageData;
      const noiseCanvas = canvas => { if (noisy.has(canvas)) return; noisy.add(canvas); try { addNoise(canvas.getContext('2d'), canvas.width, canvas.height); } catch (e) {} };
      if (win.HTMLCanvasElement) {
        replaceMethod(win.HTMLCanvasElement.prototype, 'toDataURL', orig => function toDataURL() { noiseCanvas(this); return orig.apply(this, arguments); });
        replaceMethod(win.HTMLCanvasElement.prototype, 'toBlob', orig => function toBlob() { noiseCanvas(this); return orig.apply(this, arguments); });
      }
      if (C2D) replaceMethod(C2D, 'getImageData', orig => function getImageData(x, y, w, h) {
        const img = orig.apply(this, arguments);
        for (let i = 0; i < img.data.length; i += 4 * 97) img.data[i] = img.data[i] ^ (rand() < 0.5 ? 1 : 0);
        return img;
      });
    }

    if (F.audio_noise && win.AudioBuffer) {
      const done = new WeakSet();
      replaceMethod(win.AudioBuffer.prototype, 'getChannelData', orig => function getChannelData() {
        const data = orig.apply(this, arguments);
        if (!done.has(data)) {
          done.add(data);
          const r = rng(cfg.seed ^ data.length);
          for (let i = 0; i < data.length; i += 100) data[i] = data[i] + (r() - 0.5) * 1e-7;
        }
        return data;
      });
      if (win.AnalyserNode) replaceMethod(win.AnalyserNode.prototype, 'getFloatFrequencyData', orig => function getFloatFrequencyData(arr) {
        const out = orig.apply(this, arguments);
        const r = rng(cfg.seed);
        for (let i = 0; i < arr.length; i += 10) arr[i] = arr[i] + (r() - 0.5) * 1e-4;
        return out;
      });
    }

    if (F.iframe_content_window && win.HTMLIFrameElement) {
      // A same-origin child (srcdoc, about:blank) can be read before any
      // document script runs in it; patch it on first access so it agrees
      // with its parent.
      const desc = Object.getOwnPropertyDescriptor(win.HTMLIFrameElement.prototype, 'contentWindow');
      if (desc && desc.get) {
        const origGet = desc.get;
        const getter = markNative(function () { const w = origGet.call(this); try { if (w && w.navigator) apply(w); } catch (e) {} return w; }, 'get contentWindow');
        Object.defineProperty(win.HTMLIFrameElement.prototype, 'contentWindow', { get: getter, configurable: true, enumerable: true });
      }
    }
  }
  apply(window);
}
