//! What the benchmarks ran on, for the table's heading: cores (`nproc`), memory (`free -g`),
//! the load when they started, and the compiler.

use std::process::Command;

pub fn describe() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = meminfo_total_kib().map_or_else(
        || "unknown memory".to_owned(),
        |kib| format!("{} GiB RAM", kib / (1024 * 1024)),
    );
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into());
    let rustc = Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores, {memory}, load average {load} at start, {rustc}")
}

fn meminfo_total_kib() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
