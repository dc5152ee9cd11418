//! Runs a command and reports its wall time, CPU time and peak memory. The peak comes from
//! `wait4`'s resource usage, which on Linux covers the child and every descendant it waited
//! for: for `cargo check` that is the largest rustc. (`/usr/bin/time` need not be installed,
//! and `getrusage(RUSAGE_CHILDREN)` would mix in every earlier child of this process.)

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub wall: Duration,
    /// User plus system time of the command and its waited-for descendants.
    pub cpu: Duration,
    /// The largest resident set of any one of those processes, in bytes.
    pub max_rss: u64,
}

/// Runs `command` with its output in `log`; a failure quotes the end of the log.
pub fn measure(mut command: Command, log: &Path) -> Result<Usage, String> {
    let file = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let stderr = file
        .try_clone()
        .map_err(|e| format!("{}: {e}", log.display()))?;
    command.stdout(file).stderr(stderr);
    let start = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("could not run {command:?}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live locals; `pid` is our own child, not yet reaped
        // (std's `Child` never waits unless asked, so it will not reap it twice).
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waiting for {command:?}: {error}"));
        }
    }
    let wall = start.elapsed();
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(20).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "{command:?} failed (log: {}):\n{}",
            log.display(),
            tail.join("\n")
        ));
    }
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Usage {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        // Linux reports kilobytes.
        max_rss: usage.ru_maxrss as u64 * 1024,
    })
}
