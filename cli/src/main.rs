fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(meraki_cli::run(std::env::args_os().collect()))
}
