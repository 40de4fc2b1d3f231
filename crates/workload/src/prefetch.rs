//! A hint to the processor to start loading a value's cache line.

/// Starts loading the cache line of `value` without waiting for it.
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn prefetch<T>(value: &T) {
    safe_arch::prefetch_t0(value);
}

/// No prefetch here: the value is loaded when it is read.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn prefetch<T>(_value: &T) {}
