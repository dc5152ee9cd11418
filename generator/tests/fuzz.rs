//! A bounded fuzz run: 300 mutants of the seeds (see `xtask/src/fuzz_mutate.rs`), seed fixed,
//! each generated in-process. No panic, none slower than 5 s, every error names its file and a
//! JSON pointer; the first 4 accepted mutants are compiled (one scratch workspace under
//! `target/robustness/`, `-D warnings`, dependencies shared with `tests/robustness.rs`).
//! `cargo xtask fuzz` runs the same mutator for minutes and compiles a sample all along.
//!
//! A failure names the input (`--seed`, `--replay`) and writes it under
//! `target/fuzz/failures/test-<kind>-<seed>-<n>/`.

#[allow(dead_code)]
#[path = "../../xtask/src/fuzz_harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "../../xtask/src/fuzz_mutate.rs"]
mod mutate;

use std::path::Path;
use std::time::Duration;

use harness::{Outcome, Repo};

const SEED: u64 = 0x6d65_7261_6b69; // "meraki"
const INPUTS: u64 = 300;
const COMPILED: usize = 4;
const SLOW: Duration = Duration::from_secs(5);

#[test]
fn mutants_never_panic_hang_or_fail_to_compile() {
    let repo = Repo {
        root: Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf(),
    };
    let seeds = mutate::load_seeds(&repo.root).unwrap();
    let base = repo.root.join("target/robustness");
    std::fs::create_dir_all(&base).unwrap();
    let scratch = tempfile::Builder::new()
        .prefix("fuzz-")
        .tempdir_in(&base)
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut compile: Vec<(String, u64)> = Vec::new();
    let (mut accepted, mut rejected) = (0, 0);
    let save = |kind: &str, n: u64, mutant: &mutate::Mutant, why: &str| -> String {
        let dir = repo
            .root
            .join(format!("target/fuzz/failures/test-{kind}-{SEED}-{n}"));
        let _ = mutant.write(&dir);
        let _ = std::fs::write(
            dir.join("failure.txt"),
            format!("{}\n{why}\n", mutant.describe()),
        );
        format!(
            "input {n} ({kind}, `cargo xtask fuzz --seed {SEED} --replay {n}`, saved in {}): {why}\n    {}",
            dir.display(),
            mutant.mutations.join("; ")
        )
    };
    for n in 0..INPUTS {
        let mutant = mutate::mutant(&seeds, SEED, n);
        let input = work.path().join(n.to_string());
        mutant.write(&input).unwrap();
        let member = format!("fuzz-{n}");
        let (outcome, elapsed) = harness::generate_guarded(&input, &repo.options(&member), SLOW);
        if elapsed >= SLOW {
            failures.push(save(
                "slow",
                n,
                &mutant,
                &format!("{} ms", elapsed.as_millis()),
            ));
        }
        match outcome {
            Outcome::Accepted(files) => {
                accepted += 1;
                if compile.len() < COMPILED {
                    match harness::write_member(scratch.path(), &member, &files) {
                        Ok(()) => compile.push((member, n)),
                        Err(e) => failures.push(save(
                            "write",
                            n,
                            &mutant,
                            &format!("accepted, but the crate cannot be written: {e}"),
                        )),
                    }
                }
            }
            Outcome::Rejected(message) => {
                rejected += 1;
                if let Err(why) =
                    harness::check_error_message(&message, &harness::json_files(&input))
                {
                    failures.push(save("error", n, &mutant, &why));
                }
            }
            Outcome::Panicked(message) => failures.push(save("panic", n, &mutant, &message)),
            // Already counted as slow; the rest of the run would share the cores with it.
            Outcome::Hung => break,
        }
    }
    let members: Vec<String> = compile.iter().map(|(m, _)| m.clone()).collect();
    if !members.is_empty() {
        let report = harness::check_workspace(&repo, scratch.path(), &members, &base).unwrap();
        for (member, errors) in report.failures {
            let n = compile.iter().find(|(m, _)| *m == member).unwrap().1;
            let mutant = mutate::mutant(&seeds, SEED, n);
            failures.push(save("compile", n, &mutant, &errors));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures in {INPUTS} mutants ({accepted} accepted, {rejected} refused, {} compiled):\n\n{}",
        failures.len(),
        members.len(),
        failures.join("\n\n")
    );
}
