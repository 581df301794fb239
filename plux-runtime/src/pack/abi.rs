//! The binary interface between a host and a pack library: the header a pack exports, the
//! allocator a pack borrows from its host, and the pack's panic boundary.
//!
//! Everything a host reads before it has compared fingerprints is C-compatible
//! ([`HeaderPrefix`]); the rest ([`Header`]) uses Rust types, whose layout is only known to
//! agree once the fingerprints (same compiler, target, profile and plux-runtime) and the
//! identity of plux-runtime's types did.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::any::TypeId;
use std::ffi::c_void;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use crate::Registry;

/// The first bytes of every pack header.
pub const MAGIC: [u8; 8] = *b"PLUXPACK";
/// The layout version of [`Header`]; the exported symbol's name carries it too.
pub const HEADER_VERSION: u32 = 1;
/// The symbol a pack library exports: `extern "C" fn() -> *const c_void`, the header.
pub const SYMBOL: &str = "plux_pack_v1";
/// How this copy of plux-runtime was compiled (see `build.rs`).
pub(crate) const FINGERPRINT: &str = env!("PLUX_PACK_FINGERPRINT");

/// Runs plugin code under the `catch_unwind` of the library it is compiled into; returns the
/// panic message if it panicked.
pub type Catch = fn(&mut dyn FnMut()) -> Option<String>;

/// The C-compatible start of [`Header`], the only part a host reads before the fingerprints
/// compare equal.
#[repr(C)]
pub struct HeaderPrefix {
    /// [`MAGIC`].
    pub magic: [u8; 8],
    /// [`HEADER_VERSION`].
    pub version: u32,
    /// The pack's fingerprint (UTF-8, `key=value` pairs joined by `;`).
    pub fingerprint: *const u8,
    /// Its length in bytes.
    pub fingerprint_len: usize,
}

/// What a pack library exports (through its `plux_pack_v1` symbol), built by `include_pack!`.
#[repr(C)]
pub struct Header {
    prefix: HeaderPrefix,
    identity: extern "C" fn() -> u64,
    connect: extern "C" fn(*const HostAllocator) -> u32,
    catch: Catch,
    registry: &'static Registry,
}

// SAFETY: a `Header` is immutable, and its pointers lead to immutable `'static` data.
unsafe impl Sync for Header {}

impl Header {
    /// The header of a pack whose plugins are `registry`.
    pub const fn new(registry: &'static Registry) -> Self {
        Self {
            prefix: HeaderPrefix {
                magic: MAGIC,
                version: HEADER_VERSION,
                fingerprint: FINGERPRINT.as_ptr(),
                fingerprint_len: FINGERPRINT.len(),
            },
            identity,
            connect,
            catch,
            registry,
        }
    }

    /// The identity of the pack's plux-runtime types (see [`identity`]).
    pub(crate) fn identity(&self) -> u64 {
        (self.identity)()
    }

    /// Connects the pack's allocator to the host's (see [`PackAllocator`]).
    pub(crate) fn connect(&self, host: &'static HostAllocator) -> u32 {
        (self.connect)(host)
    }

    /// The pack's panic boundary.
    pub(crate) fn catch(&self) -> Catch {
        self.catch
    }

    /// The pack's plugins.
    pub(crate) fn registry(&self) -> &'static Registry {
        self.registry
    }
}

impl HeaderPrefix {
    /// The fingerprint text.
    ///
    /// # Safety
    ///
    /// `self` must be the prefix of a header whose magic and version were checked: its
    /// fingerprint fields then point to `fingerprint_len` bytes of static data.
    pub(crate) unsafe fn fingerprint(&self) -> Option<&'static str> {
        if self.fingerprint.is_null() || self.fingerprint_len > 64 * 1024 {
            return None;
        }
        // SAFETY: the caller's contract.
        let bytes = unsafe { std::slice::from_raw_parts(self.fingerprint, self.fingerprint_len) };
        std::str::from_utf8(bytes).ok()
    }
}

/// A hash of the `TypeId` of a plux-runtime type: equal in two binaries exactly when they were
/// built from the same plux-runtime crate (its version and source, features, profile, compiler;
/// what cargo's `-C metadata` and rustc's crate identity cover). Compared only after the
/// fingerprints were, so both sides hash with the same standard library.
pub(crate) extern "C" fn identity() -> u64 {
    let mut hasher = DefaultHasher::new();
    TypeId::of::<Header>().hash(&mut hasher);
    hasher.finish()
}

fn catch(f: &mut dyn FnMut()) -> Option<String> {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(()) => None,
        Err(payload) => Some(crate::error::payload_message(payload)),
    }
}

/// The host's global allocator, as a pack borrows it.
#[repr(C)]
pub struct HostAllocator {
    version: u32,
    alloc: unsafe extern "C" fn(usize, usize) -> *mut u8,
    alloc_zeroed: unsafe extern "C" fn(usize, usize) -> *mut u8,
    dealloc: unsafe extern "C" fn(*mut u8, usize, usize),
    realloc: unsafe extern "C" fn(*mut u8, usize, usize, usize) -> *mut u8,
}

/// This binary's global allocator, for the packs it loads.
pub(crate) static HOST_ALLOCATOR: HostAllocator = HostAllocator {
    version: 1,
    alloc: host_alloc,
    alloc_zeroed: host_alloc_zeroed,
    dealloc: host_dealloc,
    realloc: host_realloc,
};

// SAFETY (the four functions below): a pack's `PackAllocator` calls them with the arguments
// `GlobalAlloc` got, whose contract (a valid non-zero-size layout, pointers from the same
// allocator) the caller upholds; all memory a connected pack handles comes from here.
unsafe extern "C" fn host_alloc(size: usize, align: usize) -> *mut u8 {
    unsafe { std::alloc::alloc(Layout::from_size_align_unchecked(size, align)) }
}

unsafe extern "C" fn host_alloc_zeroed(size: usize, align: usize) -> *mut u8 {
    unsafe { std::alloc::alloc_zeroed(Layout::from_size_align_unchecked(size, align)) }
}

unsafe extern "C" fn host_dealloc(ptr: *mut u8, size: usize, align: usize) {
    unsafe { std::alloc::dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
}

unsafe extern "C" fn host_realloc(ptr: *mut u8, size: usize, align: usize, new: usize) -> *mut u8 {
    unsafe { std::alloc::realloc(ptr, Layout::from_size_align_unchecked(size, align), new) }
}

static HOST: AtomicPtr<HostAllocator> = AtomicPtr::new(ptr::null_mut());
static ALLOCATED_ALONE: AtomicBool = AtomicBool::new(false);

/// The connection was made.
pub(crate) const CONNECTED: u32 = 0;
/// The pack allocated memory before it was connected.
pub(crate) const ALREADY_ALLOCATED: u32 = 1;
/// The pack is connected to another host allocator.
pub(crate) const OTHER_HOST: u32 = 2;
/// The host allocator given is not one this pack knows.
pub(crate) const UNKNOWN_HOST: u32 = 3;

extern "C" fn connect(host: *const HostAllocator) -> u32 {
    if host.is_null() {
        return UNKNOWN_HOST;
    }
    // SAFETY: a host passes its `HOST_ALLOCATOR`, a static; `version` is its first field.
    if unsafe { (*host).version } != 1 {
        return UNKNOWN_HOST;
    }
    if ALLOCATED_ALONE.load(Ordering::Acquire) {
        return ALREADY_ALLOCATED;
    }
    match HOST.compare_exchange(
        ptr::null_mut(),
        host.cast_mut(),
        Ordering::AcqRel,
        Ordering::Acquire,
    ) {
        Ok(_) => CONNECTED,
        Err(existing) if ptr::eq(existing, host) => CONNECTED,
        Err(_) => OTHER_HOST,
    }
}

/// The global allocator of a pack library (`include_pack!` installs it): once the host that
/// loads the pack has connected it, every allocation and deallocation of the pack goes to the
/// host's global allocator, so a `Box`, `String` or `Vec` made in the pack and dropped in the
/// host (or the other way round) is freed by the allocator that made it, whatever
/// `#[global_allocator]` the host has.
///
/// Until then (a pack's own unit tests, or code run before a host loads it) it is the system
/// allocator; a host refuses a pack that allocated before it was connected.
#[derive(Debug)]
pub struct PackAllocator;

impl PackAllocator {
    fn host() -> Option<&'static HostAllocator> {
        let host = HOST.load(Ordering::Acquire);
        // SAFETY: `HOST` only ever holds null or a host's `HOST_ALLOCATOR` static.
        unsafe { host.as_ref() }
    }
}

// SAFETY: every method forwards its arguments unchanged to the host's global allocator, or to
// the system allocator before a host connected (and a connected pack never handled memory of
// the system allocator: `connect` refuses when it did).
unsafe impl GlobalAlloc for PackAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match Self::host() {
            Some(host) => unsafe { (host.alloc)(layout.size(), layout.align()) },
            None => {
                ALLOCATED_ALONE.store(true, Ordering::Release);
                unsafe { System.alloc(layout) }
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match Self::host() {
            Some(host) => unsafe { (host.alloc_zeroed)(layout.size(), layout.align()) },
            None => {
                ALLOCATED_ALONE.store(true, Ordering::Release);
                unsafe { System.alloc_zeroed(layout) }
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match Self::host() {
            Some(host) => unsafe { (host.dealloc)(ptr, layout.size(), layout.align()) },
            None => unsafe { System.dealloc(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match Self::host() {
            Some(host) => unsafe { (host.realloc)(ptr, layout.size(), layout.align(), new_size) },
            None => unsafe { System.realloc(ptr, layout, new_size) },
        }
    }
}

/// The header's address as the exported symbol returns it.
pub fn header_address(header: &'static Header) -> *const c_void {
    ptr::from_ref(header).cast()
}
