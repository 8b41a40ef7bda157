//! Pinning worker threads to CPUs (Linux, through libc).

/// The CPUs this process may run on, in increasing order.
#[cfg(all(target_os = "linux", not(loom)))]
pub(crate) fn allowed_cpus() -> std::io::Result<Vec<usize>> {
    // SAFETY: `cpu_set_t` is plain data for which all-zero bits are the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `cpu_set_t` of the size passed.
    let rc = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let cpus = (0..libc::CPU_SETSIZE as usize)
        // SAFETY: `cpu < CPU_SETSIZE`, the bound `CPU_ISSET` requires.
        .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
        .collect();
    Ok(cpus)
}

/// Restricts the thread behind `handle` to `cpu`.
#[cfg(all(target_os = "linux", not(loom)))]
pub(crate) fn pin<T>(handle: &std::thread::JoinHandle<T>, cpu: usize) -> std::io::Result<()> {
    use std::os::unix::thread::JoinHandleExt;
    if cpu >= libc::CPU_SETSIZE as usize {
        return Err(std::io::Error::other("CPU number beyond CPU_SETSIZE"));
    }
    // SAFETY: all-zero bits are the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `cpu < CPU_SETSIZE`, checked above.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: the handle's thread has not been joined (we hold the handle), so its pthread_t is
    // valid; `set` is a valid `cpu_set_t` of the size passed.
    let rc = unsafe {
        libc::pthread_setaffinity_np(handle.as_pthread_t(), std::mem::size_of_val(&set), &set)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(rc))
    }
}

/// Pinning is only implemented on Linux.
#[cfg(not(all(target_os = "linux", not(loom))))]
pub(crate) fn allowed_cpus() -> std::io::Result<Vec<usize>> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "thread pinning is only supported on Linux",
    ))
}

/// Pinning is only implemented on Linux.
#[cfg(not(all(target_os = "linux", not(loom))))]
pub(crate) fn pin<T>(
    _handle: &crate::sync::thread::JoinHandle<T>,
    _cpu: usize,
) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "thread pinning is only supported on Linux",
    ))
}
