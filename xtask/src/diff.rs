//! `cargo xtask diff OLD NEW`: the API changelog between two sets of spec documents.

use meraki_codegen::load;

use crate::flags::DiffFlags;

pub fn run(flags: &DiffFlags) -> Result<(), String> {
    let old = load::load_specs_from(std::slice::from_ref(&flags.old)).map_err(|e| e.to_string())?;
    let new = load::load_specs_from(std::slice::from_ref(&flags.new)).map_err(|e| e.to_string())?;
    let diff = meraki_codegen::compare_specs(&old, &new).map_err(|e| e.to_string())?;
    print!("{}", diff.to_markdown(1));
    Ok(())
}
