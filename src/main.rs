/// musl's own allocator is slow on allocation-heavy work: `scan` of 10,000 pods took 1.3 s on the
/// static linux/amd64 release build against 0.6 s with glibc. The release archive uses mimalloc.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kubectl_storage::identity::mark_start();
    fixed_mmap_threshold();
    eager_mimalloc_purge();
    kubectl_storage::cli::main()
}

/// glibc raises its mmap threshold each time a large block is freed (up to 32 MB), after which
/// the big buffers of a large scan (file texts, object lists) come from the heap, where their
/// freed space fragments it: +7% peak RSS at 10,000 pods. A fixed threshold keeps them mapped and
/// returns them to the system when freed. (musl always maps large blocks.)
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

/// mimalloc keeps freed memory for 10 ms and commits whole arenas up front: at 10,000 pods that
/// is 225-245 MB peak RSS against 178 MB when it gives memory back at once, for no lost speed.
fn eager_mimalloc_purge() {
    #[cfg(target_env = "musl")]
    // SAFETY: mi_option_set only sets an allocator option; no thread has started yet. The
    // values are mimalloc.h's `mi_option_t` (the same in its v2 and v3).
    unsafe {
        const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
        const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}
