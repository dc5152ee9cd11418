//! `cargo xtask openapi`: the specs folder as one OpenAPI document (for Prism and other tools).

use meraki_codegen::{assemble, load};

use crate::flags::OpenapiFlags;
use crate::project_root;

pub fn run(flags: &OpenapiFlags) -> Result<(), String> {
    let specs = flags
        .specs
        .clone()
        .unwrap_or_else(|| project_root().join("specs"));
    let loaded = load::load_specs(&specs).map_err(|e| e.to_string())?;
    let document = assemble::assemble_openapi(&loaded).map_err(|e| e.to_string())?;
    let text = serde_json::to_string_pretty(&document).map_err(|e| e.to_string())?;
    match &flags.out {
        Some(out) => {
            std::fs::write(out, text + "\n").map_err(|e| format!("{}: {e}", out.display()))
        }
        None => {
            println!("{text}");
            Ok(())
        }
    }
}
