//! A safe wrapper around one liblzma stream (`lzma_stream` through
//! `lzma-sys`) and the filter chains CPython's `_lzma` builds from
//! filter specifiers.

use std::ffi::c_void;

use lzma_sys as lz;

pub const VLI_UNKNOWN: u64 = u64::MAX;
/// `lzma_ret` and `lzma_action` values as plain numbers (the C enums'
/// Rust type differs between platforms).
pub const NO_CHECK: u32 = 2;
pub const GET_CHECK: u32 = 4;
pub const BUF_ERROR: u32 = 10;
pub const PROG_ERROR: u32 = 11;
pub const RUN: u32 = 0;
pub const FINISH: u32 = 3;
pub const FILTER_DELTA: u64 = 0x03;

/// `lzma_options_delta` (not in lzma-sys).
#[repr(C)]
pub struct DeltaOptions {
    pub kind: u32,
    pub dist: u32,
    reserved: [u32; 4],
    reserved_ptr: [*mut c_void; 2],
}

impl DeltaOptions {
    pub fn new(dist: u32) -> DeltaOptions {
        DeltaOptions {
            kind: 0,
            dist,
            reserved: [0; 4],
            reserved_ptr: [std::ptr::null_mut(); 2],
        }
    }
}

/// The options of one filter, owned so the chain's pointers stay valid.
pub enum FilterOptions {
    Lzma(Box<lz::lzma_options_lzma>),
    Delta(Box<DeltaOptions>),
    Bcj(Box<lz::lzma_options_bcj>),
}

/// A filter chain: the filters and the options they point at.
pub struct FilterChain {
    pub ids: Vec<u64>,
    pub opts: Vec<FilterOptions>,
}

impl FilterChain {
    /// The `lzma_filter` array, terminated by LZMA_VLI_UNKNOWN; valid
    /// while `self` lives.
    pub fn raw(&mut self) -> Vec<lz::lzma_filter> {
        let mut v: Vec<lz::lzma_filter> = self
            .ids
            .iter()
            .zip(self.opts.iter_mut())
            .map(|(&id, o)| lz::lzma_filter {
                id,
                options: match o {
                    FilterOptions::Lzma(b) => &mut **b as *mut lz::lzma_options_lzma as *mut c_void,
                    FilterOptions::Delta(b) => &mut **b as *mut DeltaOptions as *mut c_void,
                    FilterOptions::Bcj(b) => &mut **b as *mut lz::lzma_options_bcj as *mut c_void,
                },
            })
            .collect();
        v.push(lz::lzma_filter {
            id: VLI_UNKNOWN,
            options: std::ptr::null_mut(),
        });
        v
    }
}

/// LZMA options for `preset`, or None for an invalid preset.
pub fn lzma_preset(preset: u32) -> Option<Box<lz::lzma_options_lzma>> {
    // SAFETY: lzma_options_lzma is plain data; all-zero is a valid value
    // that lzma_lzma_preset then fills in.
    let mut o: Box<lz::lzma_options_lzma> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: o points at a live lzma_options_lzma.
    if unsafe { lz::lzma_lzma_preset(&mut *o, preset) } != 0 {
        return None;
    }
    Some(o)
}

pub struct LzStream {
    s: Box<lz::lzma_stream>,
}

/// How a stream is set up.
pub enum Init<'a> {
    Easy(u32, i32),
    Stream(&'a mut FilterChain, i32),
    Alone(&'a mut FilterChain),
    AlonePreset(&'a lz::lzma_options_lzma),
    RawEncoder(&'a mut FilterChain),
    AutoDecoder(u64),
    StreamDecoder(u64),
    AloneDecoder(u64),
    RawDecoder(&'a mut FilterChain),
}

const TELL_FLAGS: u32 = 0x04 | 0x01;

impl LzStream {
    /// A stream set up by `init`; Err(liblzma code) on failure.
    pub fn new(init: Init) -> Result<LzStream, u32> {
        // SAFETY: LZMA_STREAM_INIT is all zeros.
        let mut s: Box<lz::lzma_stream> = Box::new(unsafe { std::mem::zeroed() });
        let p: *mut lz::lzma_stream = &mut *s;
        // SAFETY: p is a live, zeroed stream; the filter arrays and
        // options live for the call (liblzma copies what it keeps).
        let r = unsafe {
            match init {
                Init::Easy(preset, check) => lz::lzma_easy_encoder(p, preset, check as _),
                Init::Stream(chain, check) => {
                    let f = chain.raw();
                    lz::lzma_stream_encoder(p, f.as_ptr(), check as _)
                }
                Init::Alone(chain) => {
                    let f = chain.raw();
                    match f.first() {
                        Some(first) => {
                            lz::lzma_alone_encoder(p, first.options as *const lz::lzma_options_lzma)
                        }
                        None => lz::LZMA_PROG_ERROR,
                    }
                }
                Init::AlonePreset(o) => lz::lzma_alone_encoder(p, o),
                Init::RawEncoder(chain) => {
                    let f = chain.raw();
                    lz::lzma_raw_encoder(p, f.as_ptr())
                }
                Init::AutoDecoder(limit) => lz::lzma_auto_decoder(p, limit, TELL_FLAGS),
                Init::StreamDecoder(limit) => lz::lzma_stream_decoder(p, limit, TELL_FLAGS),
                Init::AloneDecoder(limit) => lz::lzma_alone_decoder(p, limit),
                Init::RawDecoder(chain) => {
                    let f = chain.raw();
                    lz::lzma_raw_decoder(p, f.as_ptr())
                }
            }
        };
        if r != lz::LZMA_OK {
            // SAFETY: ending a stream whose init failed is allowed.
            unsafe { lz::lzma_end(p) };
            return Err(r as u32);
        }
        Ok(LzStream { s })
    }

    /// One `lzma_code` call: (code, consumed, produced).
    pub fn step(&mut self, input: &[u8], out: &mut [u8], action: u32) -> (u32, usize, usize) {
        self.s.next_in = input.as_ptr();
        self.s.avail_in = input.len();
        self.s.next_out = out.as_mut_ptr();
        self.s.avail_out = out.len();
        // SAFETY: the in/out pointers describe live slices for the call
        // and are cleared below.
        let r = unsafe { lz::lzma_code(&mut *self.s, action as _) };
        let consumed = input.len() - self.s.avail_in;
        let produced = out.len() - self.s.avail_out;
        self.s.next_in = std::ptr::null();
        self.s.avail_in = 0;
        self.s.next_out = std::ptr::null_mut();
        self.s.avail_out = 0;
        (r as u32, consumed, produced)
    }

    /// `lzma_get_check`.
    pub fn check(&self) -> i64 {
        // SAFETY: the stream is initialised.
        unsafe { lz::lzma_get_check(&*self.s) as i64 }
    }
}

impl Drop for LzStream {
    fn drop(&mut self) {
        // SAFETY: the stream was initialised successfully.
        unsafe { lz::lzma_end(&mut *self.s) }
    }
}

/// `lzma_properties_encode` of one filter.
pub fn encode_properties(chain: &mut FilterChain) -> Result<Vec<u8>, u32> {
    let f = chain.raw();
    let Some(first) = f.first() else {
        return Err(PROG_ERROR);
    };
    let mut size: u32 = 0;
    // SAFETY: first is a valid filter whose options live in `chain`.
    let r = unsafe { lz::lzma_properties_size(&mut size, first) };
    if r != lz::LZMA_OK {
        return Err(r as u32);
    }
    let mut out = vec![0u8; size as usize];
    // SAFETY: out has exactly the size liblzma asked for.
    let r = unsafe { lz::lzma_properties_encode(first, out.as_mut_ptr()) };
    if r != lz::LZMA_OK {
        return Err(r as u32);
    }
    Ok(out)
}

/// Decoded filter properties: the fields CPython's `build_filter_spec`
/// reports, in its order.
pub fn decode_properties(id: u64, props: &[u8]) -> Result<Vec<(&'static str, u64)>, u32> {
    let mut f = lz::lzma_filter {
        id,
        options: std::ptr::null_mut(),
    };
    // SAFETY: f is a live filter; props is a live slice; with a NULL
    // allocator liblzma allocates the options with malloc.
    let r = unsafe {
        lz::lzma_properties_decode(&mut f, std::ptr::null(), props.as_ptr(), props.len())
    };
    if r != lz::LZMA_OK {
        return Err(r as u32);
    }
    let mut out = vec![("id", id)];
    if !f.options.is_null() {
        // SAFETY: liblzma allocated options of the type matching `id`.
        unsafe {
            if id == lz::LZMA_FILTER_LZMA1 {
                let o = &*(f.options as *const lz::lzma_options_lzma);
                out.extend([
                    ("lc", o.lc as u64),
                    ("lp", o.lp as u64),
                    ("pb", o.pb as u64),
                    ("dict_size", o.dict_size as u64),
                ]);
            } else if id == lz::LZMA_FILTER_LZMA2 {
                let o = &*(f.options as *const lz::lzma_options_lzma);
                out.push(("dict_size", o.dict_size as u64));
            } else if id == FILTER_DELTA {
                let o = &*(f.options as *const DeltaOptions);
                out.push(("dist", o.dist as u64));
            } else {
                let o = &*(f.options as *const lz::lzma_options_bcj);
                out.push(("start_offset", o.start_offset as u64));
            }
            libc::free(f.options);
        }
    }
    Ok(out)
}

/// `lzma_check_is_supported`.
pub fn check_supported(check: i64) -> bool {
    // SAFETY: a pure query.
    unsafe { lz::lzma_check_is_supported(check as _) != 0 }
}
