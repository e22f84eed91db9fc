//! crossio backend for `wasm32-unknown-emscripten` (work in progress: see the README's target table).
