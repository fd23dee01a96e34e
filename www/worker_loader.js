// The compute worker's start. The page compiles worker_bg.wasm once (WebAssembly.compileStreaming)
// and posts the compiled module as each worker's first message, so every worker instantiates the
// same compiled code instead of fetching and compiling a copy of its own; a page that could not
// compile it posts null, and the worker then fetches worker_bg.wasm itself. The worker's Rust side
// installs its own message handler once started and says Ready; the page sends work only after.
import init from './worker.js';

self.addEventListener('message', (e) => {
  const module = e.data instanceof WebAssembly.Module ? e.data : undefined;
  init(module ? { module_or_path: module } : undefined);
}, { once: true });
