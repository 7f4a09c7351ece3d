//! Everything about the `.pyc` file format: the header and magic numbers,
//! the marshal format (reader and writer), 3.11 code objects and their
//! location/exception tables, the opcode table and the disassembler.

pub mod code;
pub mod dis;
pub mod fuzz;
pub mod header;
pub mod marshal;
pub mod object;
pub mod opcode;
pub mod repr;

pub use code::CodeObject;
pub use object::{Obj, Object};

/// Why a `.pyc` could not be loaded as a CPython 3.11 module.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Header(#[from] header::HeaderError),
    #[error("magic number {magic} at byte 0 is Python {version} ({label}): expected {expected} (CPython 3.11)", expected = header::MAGIC_311)]
    NotPython311 {
        magic: u16,
        version: &'static str,
        label: &'static str,
    },
    #[error(transparent)]
    Marshal(#[from] marshal::MarshalError),
    #[error("the marshalled object after the header is a {found}: expected a code object (byte {offset})")]
    NotCode { found: &'static str, offset: usize },
}

impl LoadError {
    /// The byte offset in the file that the error concerns.
    pub fn offset(&self) -> usize {
        match self {
            LoadError::Header(e) => e.offset(),
            LoadError::NotPython311 { .. } => 0,
            LoadError::Marshal(e) => e.offset,
            LoadError::NotCode { offset, .. } => *offset,
        }
    }
}

/// Read a CPython 3.11 `.pyc`: its header and the module code object
/// (returned as the [`Obj`] handle holding an [`Object::Code`]).
pub fn load_pyc(data: &[u8]) -> Result<(header::PycHeader, Obj), LoadError> {
    let hdr = header::parse(data)?;
    if hdr.magic != header::MAGIC_311 {
        return Err(LoadError::NotPython311 {
            magic: hdr.magic,
            version: hdr.entry.version,
            label: hdr.entry.label,
        });
    }
    let body = data.get(hdr.header_size..).unwrap_or(&[]);
    let obj = marshal::loads_at(body, hdr.header_size)?;
    if obj.as_code().is_none() {
        return Err(LoadError::NotCode {
            found: obj.type_name(),
            offset: hdr.header_size,
        });
    }
    Ok((hdr, obj))
}
