//! `cargo xtask fuzz [--minutes N] [--seed S] [--compile-every K] [--batch B] [--replay N]`:
//! mutants of the seeds (see `fuzz_mutate.rs`) until the time is up.
//!
//! Each input is generated in-process, panics caught, by a worker (this binary, `fuzz
//! --worker`) that the run restarts when it hangs or aborts (a stack overflow cannot be caught),
//! so no input can stop the run. An input is a failure when it panics, takes over 5 s, kills the
//! worker, is refused with an error that does not name its file and a JSON pointer, or is
//! accepted (every K-th accepted input, compiled B at a time in one scratch workspace with
//! `RUSTFLAGS=-D warnings`) and does not compile. Every failure is written to
//! `target/fuzz/failures/<kind>-<seed>-<n>/` (the documents, and `failure.txt`: the seed, the
//! mutations, the message). Each seed is first generated unmutated; one that fails is a failure
//! too and is not mutated (its mutants would only find it again).

// Shared with the generator's tests, which use other parts of them.
#[allow(dead_code)]
#[path = "fuzz_harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "fuzz_mutate.rs"]
mod mutate;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use harness::{Outcome, Repo};
use mutate::Mutant;

const USAGE: &str = "\
usage: cargo xtask fuzz [--minutes N] [--seed S] [--compile-every K] [--batch B] [--replay N]

Generates mutants of the seeds (generator/tests/fixtures/, specs/ pages, the robustness
reproducers, operations of specs/spec3-v1.42.0.json) for N minutes (default 5; decimals allowed),
input n of seed S (default: from the clock) always the same. Every K-th accepted input (default
10) is compiled with -D warnings, B crates (default 12) per cargo check. Failures go to
target/fuzz/failures/; the exit status is non-zero when there is one.
--replay N writes input N of seed S to target/fuzz/replay-S-N/ and generates it once (the same
input when no seed failed unmutated and the mutator is unchanged; the input saved under
failures/ is the reproducer that always holds).";

/// Over this, an input is slow.
const SLOW: Duration = Duration::from_secs(5);
/// Over this, the worker is stopped and restarted.
const HANG: Duration = Duration::from_secs(20);

struct Flags {
    minutes: f64,
    seed: u64,
    compile_every: u64,
    batch: usize,
    replay: Option<u64>,
}

pub fn main(args: &[String]) -> ExitCode {
    if args.first().map(String::as_str) == Some("--worker") {
        return worker();
    }
    let flags = match parse(args) {
        Ok(flags) => flags,
        Err(message) if message == "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match run(&flags) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<Flags, String> {
    let mut flags = Flags {
        minutes: 5.0,
        seed: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1),
        compile_every: 10,
        batch: 12,
        replay: None,
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value = |name: &str| {
            rest.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, text: String| {
            text.parse::<u64>()
                .map_err(|_| format!("{name} takes a whole number, not `{text}`"))
        };
        match arg.as_str() {
            "--minutes" => {
                let text = value("--minutes")?;
                flags.minutes = text
                    .parse()
                    .map_err(|_| format!("--minutes takes a number, not `{text}`"))?;
            }
            "--seed" => flags.seed = number("--seed", value("--seed")?)?,
            "--compile-every" => {
                flags.compile_every = number("--compile-every", value("--compile-every")?)?.max(1)
            }
            "--batch" => flags.batch = number("--batch", value("--batch")?)?.max(1) as usize,
            "--replay" => flags.replay = Some(number("--replay", value("--replay")?)?),
            "--help" | "-h" => return Err("help".into()),
            other => return Err(format!("unknown argument `{other}` for fuzz")),
        }
    }
    Ok(flags)
}

/// The worker: reads one request a line (`{"input", "member", "out"}`), generates the input,
/// writes an accepted crate to `out/member/`, answers one line (`{"kind", "ms", "message"}`).
fn worker() -> ExitCode {
    let repo = Repo {
        root: crate::project_root(),
    };
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let Ok(request) = serde_json::from_str::<serde_json::Value>(&line) else {
            break;
        };
        let input = PathBuf::from(request["input"].as_str().unwrap_or_default());
        let member = request["member"].as_str().unwrap_or("fuzz").to_string();
        let out = PathBuf::from(request["out"].as_str().unwrap_or_default());
        let (outcome, elapsed) = harness::generate_guarded(&input, &repo.options(&member), HANG);
        let mut kind = outcome.kind();
        let message = match &outcome {
            Outcome::Accepted(files) => match harness::write_member(&out, &member, files) {
                Ok(()) => String::new(),
                Err(e) => {
                    // Accepted, but the files cannot be written (a file name over the limit).
                    kind = "unwritable";
                    e
                }
            },
            Outcome::Rejected(m) | Outcome::Panicked(m) => m.clone(),
            Outcome::Hung => String::new(),
        };
        let answer = serde_json::json!({
            "kind": kind,
            "ms": elapsed.as_millis() as u64,
            "message": message,
        });
        if writeln!(stdout, "{answer}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            break;
        }
        if matches!(outcome, Outcome::Hung) {
            // The hung thread cannot be stopped; the process can.
            std::process::exit(0);
        }
    }
    ExitCode::SUCCESS
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::Receiver<String>,
    stderr: PathBuf,
}

impl Worker {
    fn start(stderr: &Path) -> Result<Worker, String> {
        let log =
            std::fs::File::create(stderr).map_err(|e| format!("{}: {e}", stderr.display()))?;
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut child = Command::new(exe)
            .args(["fuzz", "--worker"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the worker: {e}"))?;
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (send, answers) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Worker {
            child,
            stdin,
            answers,
            stderr: stderr.to_path_buf(),
        })
    }

    /// Generates `input`; `Err` when the worker died or hung (it is then stopped).
    fn generate(&mut self, input: &Path, member: &str, out: &Path) -> Result<Answer, String> {
        let request = serde_json::json!({
            "input": input.display().to_string(),
            "member": member,
            "out": out.display().to_string(),
        });
        let start = Instant::now();
        if writeln!(self.stdin, "{request}")
            .and_then(|()| self.stdin.flush())
            .is_err()
        {
            return Err(self.died());
        }
        match self.answers.recv_timeout(HANG + Duration::from_secs(10)) {
            Ok(line) => {
                let answer: serde_json::Value =
                    serde_json::from_str(&line).map_err(|e| format!("bad answer {line}: {e}"))?;
                Ok(Answer {
                    kind: answer["kind"].as_str().unwrap_or_default().to_string(),
                    elapsed: Duration::from_millis(answer["ms"].as_u64().unwrap_or_default()),
                    wall: start.elapsed(),
                    message: answer["message"].as_str().unwrap_or_default().to_string(),
                })
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = self.child.kill();
                let _ = self.child.wait();
                Err(format!(
                    "no answer after {} s; worker killed",
                    start.elapsed().as_secs()
                ))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(self.died()),
        }
    }

    fn died(&mut self) -> String {
        let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
        let stderr = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        format!(
            "the worker died ({status}): {}",
            harness::first_lines(stderr.trim(), 8)
        )
    }

    fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

struct Answer {
    kind: String,
    /// The generation's own time, measured in the worker.
    elapsed: Duration,
    /// The time of the round trip.
    wall: Duration,
    message: String,
}

#[derive(Default)]
struct Tally {
    inputs: u64,
    accepted: u64,
    rejected: u64,
    compiled: u64,
    batches: u64,
    /// Failures by kind: (group, saved folder).
    failures: BTreeMap<&'static str, Vec<(String, PathBuf)>>,
    failing_seeds: Vec<String>,
}

impl Tally {
    fn count(&self, kind: &str) -> usize {
        self.failures.get(kind).map_or(0, Vec::len)
    }
}

struct Run<'a> {
    repo: Repo,
    fuzz: PathBuf,
    flags: &'a Flags,
    tally: Tally,
    work: PathBuf,
    worker: Worker,
    /// Accepted inputs waiting to be compiled: member, id, input.
    batch: Vec<(String, String, Mutant)>,
}

impl Run<'_> {
    /// Saves a failing input as `failures/<kind>-<id>/` and counts it.
    fn fail(&mut self, kind: &'static str, id: &str, mutant: &Mutant, message: &str) {
        let dir = self.fuzz.join("failures").join(format!("{kind}-{id}"));
        let _ = mutant.write(&dir);
        let _ = std::fs::write(
            dir.join("failure.txt"),
            format!(
                "{kind}: {id}\n{}\n{}\n{message}\n",
                match id.strip_prefix("seed-") {
                    Some(_) => "the seed itself, unmutated".to_string(),
                    None => format!(
                        "replay: cargo xtask fuzz --seed {} --replay {}",
                        self.flags.seed,
                        id.rsplit('-').next().unwrap_or(id)
                    ),
                },
                mutant.describe()
            ),
        );
        let first = message.lines().next().unwrap_or_default();
        println!(
            "{kind:>8} {id}: {}",
            first.chars().take(160).collect::<String>()
        );
        self.tally
            .failures
            .entry(kind)
            .or_default()
            .push((group(kind, message), dir));
    }

    /// Classifies one answer; true when the input was accepted.
    fn judge(
        &mut self,
        id: &str,
        mutant: &Mutant,
        input: &Path,
        answer: Result<Answer, String>,
    ) -> bool {
        self.tally.inputs += 1;
        let answer = match answer {
            Ok(answer) => answer,
            Err(why) => {
                self.fail("crash", id, mutant, &why);
                return false;
            }
        };
        if answer.elapsed > SLOW || answer.kind == "hang" {
            let message = format!(
                "{} ms (worker round trip {} ms), then {}",
                answer.elapsed.as_millis(),
                answer.wall.as_millis(),
                answer.kind
            );
            self.fail("slow", id, mutant, &message);
        }
        match answer.kind.as_str() {
            "accepted" => {
                self.tally.accepted += 1;
                return true;
            }
            "rejected" => {
                self.tally.rejected += 1;
                if let Err(why) =
                    harness::check_error_message(&answer.message, &harness::json_files(input))
                {
                    self.fail("error", id, mutant, &why);
                }
            }
            "panic" => self.fail("panic", id, mutant, &answer.message),
            "unwritable" => {
                self.tally.accepted += 1;
                let message = format!(
                    "accepted, but the crate cannot be written: {}",
                    answer.message
                );
                self.fail("write", id, mutant, &message);
            }
            _ => {}
        }
        false
    }

    /// Compiles the batch; returns the ids of the inputs whose crate failed.
    fn compile(&mut self) -> Result<Vec<String>, String> {
        let batch = std::mem::take(&mut self.batch);
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        self.tally.batches += 1;
        let dir = self.fuzz.join(format!("batch-{}", self.tally.batches));
        let members: Vec<String> = batch.iter().map(|(m, _, _)| m.clone()).collect();
        let target = self.repo.root.join("target/robustness");
        let report = match harness::check_workspace(&self.repo, &dir, &members, &target) {
            Ok(report) => report,
            Err(why) => {
                // No member's fault as far as cargo says (the runtime does not compile with
                // warnings denied, say): one failure for the batch, its first input kept.
                println!(
                    "   check {} crates failed: {}",
                    members.len(),
                    harness::first_lines(&why, 6)
                );
                let (_, id, mutant) = &batch[0];
                let id = format!("batch{}-{id}", self.tally.batches);
                self.fail("dependency", &id, mutant, &why);
                let _ = std::fs::remove_dir_all(&dir);
                return Ok(Vec::new());
            }
        };
        self.tally.compiled += members.len() as u64;
        println!(
            "   check {} crates: {} fail ({:.1} s)",
            members.len(),
            report.failures.len(),
            report.elapsed.as_secs_f64()
        );
        let mut failed = Vec::new();
        for (member, errors) in &report.failures {
            if let Some((_, id, mutant)) = batch.iter().find(|(m, _, _)| m == member) {
                self.fail("compile", id, mutant, errors);
                failed.push(id.clone());
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        Ok(failed)
    }

    /// Generates one input; an accepted one joins the batch when `sample`. True when accepted.
    fn take(
        &mut self,
        id: String,
        member: String,
        mutant: Mutant,
        sample: bool,
    ) -> Result<bool, String> {
        let input = self.work.join("input");
        let staging = self.work.join("out");
        mutant
            .write(&input)
            .map_err(|e| format!("{}: {e}", input.display()))?;
        let _ = std::fs::remove_dir_all(&staging);
        let answer = self.worker.generate(&input, &member, &staging);
        // A worker that hung has exited (its thread could not be stopped); one that died is gone.
        let died = answer.as_ref().map_or(true, |a| a.kind == "hang");
        let accepted = self.judge(&id, &mutant, &input, answer);
        if died {
            self.worker = Worker::start(&self.work.join("worker-stderr.log"))?;
        }
        if accepted && sample {
            let batch_dir = self.fuzz.join(format!("batch-{}", self.tally.batches + 1));
            std::fs::create_dir_all(&batch_dir).map_err(|e| e.to_string())?;
            std::fs::rename(staging.join(&member), batch_dir.join(&member))
                .map_err(|e| format!("{}: {e}", staging.display()))?;
            self.batch.push((member, id, mutant));
            if self.batch.len() >= self.flags.batch {
                self.compile()?;
            }
        }
        Ok(accepted)
    }
}

/// A failure's group: its message with the particulars (quoted names, numbers, paths) blurred.
fn group(kind: &str, message: &str) -> String {
    let line = if message.contains("Caused by:") {
        // Cargo's own error: its innermost cause says what is wrong.
        message
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty() && !l.starts_with('…'))
            .unwrap_or_default()
            .trim()
    } else {
        message
            .lines()
            .find(|l| l.starts_with("error") || kind != "compile")
            .unwrap_or_default()
    };
    let line = match line.find(" at /") {
        Some(i) if kind == "error" => &line[i..],
        // `…: <path>: <the I/O error>`.
        _ if kind == "write" => line.rsplit(": ").next().unwrap_or(line),
        _ => line,
    };
    let mut out = String::new();
    let mut in_quote = false;
    for c in line.chars() {
        match c {
            '`' => {
                in_quote = !in_quote;
                out.push_str(if in_quote { "`…" } else { "`" });
            }
            _ if in_quote => {}
            '0'..='9' => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            _ => out.push(c),
        }
    }
    out.chars().take(140).collect()
}

fn run(flags: &Flags) -> Result<bool, String> {
    let repo = Repo {
        root: crate::project_root(),
    };
    let fuzz = repo.root.join("target/fuzz");
    let seeds = mutate::load_seeds(&repo.root)?;
    if let Some(n) = flags.replay {
        let mutant = mutate::mutant(&seeds, flags.seed, n);
        let dir = fuzz.join(format!("replay-{}-{n}", flags.seed));
        mutant
            .write(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("{}written to {}", mutant.describe(), dir.display());
        let (outcome, elapsed) = harness::generate_guarded(&dir, &repo.options("replay"), HANG);
        let message = match &outcome {
            Outcome::Rejected(m) | Outcome::Panicked(m) => m.clone(),
            _ => String::new(),
        };
        println!("{} in {} ms {message}", outcome.kind(), elapsed.as_millis());
        return Ok(true);
    }
    let failures = fuzz.join("failures");
    let _ = std::fs::remove_dir_all(&failures);
    let work = fuzz.join("work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    println!(
        "fuzz: seed {}, {} minutes, {} seeds, every {} accepted input compiled ({} per check)",
        flags.seed,
        flags.minutes,
        seeds.len(),
        flags.compile_every,
        flags.batch
    );
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(flags.minutes * 60.0);
    let worker = Worker::start(&work.join("worker-stderr.log"))?;
    let mut run = Run {
        repo: repo.clone(),
        fuzz: fuzz.clone(),
        flags,
        tally: Tally::default(),
        work: work.clone(),
        worker,
        batch: Vec::new(),
    };
    // The seeds unmutated: a failing one is reported and not mutated.
    let mut usable = Vec::new();
    for (i, seed) in seeds.iter().enumerate() {
        let mutant = Mutant {
            seed: seed.name.clone(),
            documents: seed
                .documents
                .iter()
                .map(|(name, doc)| (name.clone(), format!("{doc:#}\n")))
                .collect(),
            mutations: vec!["(none: the seed itself)".into()],
        };
        let before: usize = run.tally.failures.values().map(Vec::len).sum();
        run.take(format!("seed-{i}"), format!("fuzz-seed-{i}"), mutant, true)?;
        let after: usize = run.tally.failures.values().map(Vec::len).sum();
        if after > before {
            run.tally.failing_seeds.push(seed.name.clone());
        } else {
            usable.push((i, seed.clone()));
        }
    }
    let failed = run.compile()?;
    let usable: Vec<mutate::Seed> = usable
        .into_iter()
        .filter(|(i, seed)| {
            let fails = failed.contains(&format!("seed-{i}"));
            if fails {
                run.tally.failing_seeds.push(seed.name.clone());
            }
            !fails
        })
        .map(|(_, seed)| seed)
        .collect();
    let mut n: u64 = 0;
    let mut accepted: u64 = 0;
    let mut last_report = Instant::now();
    while Instant::now() < deadline && !usable.is_empty() {
        let mutant = mutate::mutant(&usable, flags.seed, n);
        let sample = (accepted + 1) % flags.compile_every == 0;
        let id = format!("{}-{n}", flags.seed);
        if run.take(id, format!("fuzz-{n}"), mutant, sample)? {
            accepted += 1;
        }
        n += 1;
        if last_report.elapsed() > Duration::from_secs(30) {
            last_report = Instant::now();
            println!(
                "  … {:.1} min: {} inputs, {} accepted, {} failures",
                start.elapsed().as_secs_f64() / 60.0,
                run.tally.inputs,
                run.tally.accepted,
                run.tally.failures.values().map(Vec::len).sum::<usize>()
            );
        }
    }
    run.compile()?;
    let Run { worker, tally, .. } = run;
    worker.stop();
    let _ = std::fs::remove_dir_all(&work);
    let t = &tally;
    let total: usize = t.failures.values().map(Vec::len).sum();
    println!(
        "\nfuzz summary (seed {}, {:.1} min): {} inputs run ({} seeds unmutated, {} mutants), \
         {} accepted, {} rejected; {} panics, {} slow (> {} s), {} worker crashes, {} bad errors, {} unwritable crates; \
         {} samples compiled in {} checks, {} compile failures, {} checks failed in a dependency",
        flags.seed,
        start.elapsed().as_secs_f64() / 60.0,
        t.inputs,
        seeds.len(),
        n,
        t.accepted,
        t.rejected,
        t.count("panic"),
        t.count("slow"),
        SLOW.as_secs(),
        t.count("crash"),
        t.count("error"),
        t.count("write"),
        t.compiled,
        t.batches,
        t.count("compile"),
        t.count("dependency"),
    );
    if !t.failing_seeds.is_empty() {
        println!(
            "seeds that fail unmutated (not mutated): {}",
            t.failing_seeds.join(", ")
        );
    }
    for (kind, list) in &t.failures {
        let mut groups: BTreeMap<&str, (usize, &Path)> = BTreeMap::new();
        for (group, dir) in list {
            groups.entry(group).or_insert((0, dir)).0 += 1;
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort_by_key(|g| std::cmp::Reverse(g.1 .0));
        println!("\n{kind}: {} in {} groups", list.len(), groups.len());
        for (group, (count, dir)) in groups.iter().take(20) {
            let shown = dir.strip_prefix(&repo.root).unwrap_or(dir);
            println!("  {count:>5}  {group}\n         e.g. {}", shown.display());
        }
    }
    if total > 0 {
        println!("\n{total} failures, inputs in {}", failures.display());
    }
    Ok(total == 0)
}
