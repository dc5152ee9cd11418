//! A global allocator that counts live heap bytes and their peak, for the client's memory
//! while streaming. The loopback server shares the process, so its thread marks itself
//! uncounted: only the client's (and the raw baseline's) allocations are seen.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static UNCOUNTED: Cell<bool> = const { Cell::new(false) };
}

fn counted() -> bool {
    // During thread teardown the flag may be gone; count then (it only makes figures larger).
    !UNCOUNTED.try_with(Cell::get).unwrap_or(false)
}

fn add(bytes: isize) {
    if counted() {
        let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters only observe.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            add(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            add(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        add(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        new
    }
}

/// Stops counting the calling thread's allocations (the server's).
pub fn uncount_this_thread() {
    UNCOUNTED.with(|flag| flag.set(true));
}

/// Starts a new peak from the current live bytes, and returns them.
pub fn reset_peak() -> u64 {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    live.max(0) as u64
}

/// The highest live byte count since [`reset_peak`].
pub fn peak() -> u64 {
    PEAK.load(Relaxed).max(0) as u64
}
