//! The wasm heap: malloc's statistics and the memory's size (`emscripten/heap.h`), through
//! `csrc/glue.c`.

mod ffi {
    unsafe extern "C" {
        // csrc/glue.c
        pub fn crossio_heap_in_use() -> usize;
        pub fn crossio_heap_size() -> usize;
    }
}

/// Bytes currently allocated with malloc (which Rust's allocator uses here).
pub fn in_use() -> usize {
    // SAFETY: reads the allocator's statistics.
    unsafe { ffi::crossio_heap_in_use() }
}

/// Size of the wasm memory in bytes.
pub fn size() -> usize {
    // SAFETY: reads the memory's size.
    unsafe { ffi::crossio_heap_size() }
}
