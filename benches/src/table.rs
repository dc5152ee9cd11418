//! The Markdown table the benchmarks print, and the number formats it uses.

use std::time::Duration;

/// One line of the table: what was measured, the result, and the target for it.
pub struct Row {
    pub figure: String,
    pub result: String,
    pub target: String,
}

impl Row {
    pub fn new(figure: impl Into<String>, result: impl Into<String>, target: &str) -> Row {
        Row {
            figure: figure.into(),
            result: result.into(),
            target: target.to_owned(),
        }
    }
}

pub fn render(rows: &[Row]) -> String {
    let mut out = String::from("| Figure | Result | Target |\n|---|---|---|\n");
    for row in rows {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            row.figure, row.result, row.target
        ));
    }
    out
}

/// The median of the samples (the mean of the middle two for an even count).
pub fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

pub fn median_duration(samples: &[Duration]) -> Duration {
    let secs: Vec<f64> = samples.iter().map(Duration::as_secs_f64).collect();
    Duration::from_secs_f64(median(&secs))
}

/// `12 ms` below ten seconds' worth of milliseconds is too fine for compile times: those use
/// [`seconds`].
pub fn millis(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

pub fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// Bytes in MiB (GiB from 1 GiB on), one decimal.
pub fn bytes(n: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let mib = n as f64 / MIB;
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else if mib >= 10.0 {
        format!("{mib:.0} MiB")
    } else {
        format!("{mib:.1} MiB")
    }
}

/// An integer with thin thousands separators: `100,000`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(count(100_000), "100,000");
        assert_eq!(count(999), "999");
        assert_eq!(bytes(3 * 1024 * 1024 / 2), "1.5 MiB");
        assert_eq!(bytes(1536 * 1024 * 1024), "1.50 GiB");
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
