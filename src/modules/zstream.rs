//! A safe wrapper around one zlib stream (`z_stream` of the system or
//! bundled zlib through `libz-sys`), so `zlib` output is byte for byte
//! CPython's: the same library, called the same way.

use std::ffi::{c_int, c_uint, c_void, CStr};

use libz_sys as z;

pub const Z_OK: c_int = 0;
pub const Z_STREAM_END: c_int = 1;
pub const Z_NEED_DICT: c_int = 2;
pub const Z_STREAM_ERROR: c_int = -2;
pub const Z_MEM_ERROR: c_int = -4;
pub const Z_BUF_ERROR: c_int = -5;
pub const Z_FINISH: c_int = 4;

extern "C" fn zalloc(_opaque: *mut c_void, items: c_uint, size: c_uint) -> *mut c_void {
    // SAFETY: calloc with any sizes is sound; it returns NULL on failure,
    // which zlib handles as Z_MEM_ERROR.
    unsafe { libc::calloc(items as usize, size as usize) }
}

extern "C" fn zfree(_opaque: *mut c_void, p: *mut c_void) {
    // SAFETY: zlib frees only pointers it got from `zalloc` (calloc).
    unsafe { libc::free(p) }
}

fn new_stream() -> Box<z::z_stream> {
    Box::new(z::z_stream {
        next_in: std::ptr::null_mut(),
        avail_in: 0,
        total_in: 0,
        next_out: std::ptr::null_mut(),
        avail_out: 0,
        total_out: 0,
        msg: std::ptr::null_mut(),
        state: std::ptr::null_mut(),
        zalloc,
        zfree,
        opaque: std::ptr::null_mut(),
        data_type: 0,
        adler: 0,
        reserved: 0,
    })
}

/// One deflate or inflate stream. The `z_stream` is boxed so it never
/// moves after initialisation (zlib's state points back at it).
pub struct ZStream {
    strm: Box<z::z_stream>,
    inflate: bool,
    live: bool,
}

const STREAM_SIZE: c_int = std::mem::size_of::<z::z_stream>() as c_int;

impl ZStream {
    /// `deflateInit2`; Err(zlib code) on failure.
    pub fn deflate(
        level: i32,
        method: i32,
        wbits: i32,
        mem: i32,
        strategy: i32,
    ) -> Result<ZStream, c_int> {
        let mut strm = new_stream();
        // SAFETY: strm is a valid, boxed z_stream with allocators set;
        // zlibVersion() is the library's own version string.
        let r = unsafe {
            z::deflateInit2_(
                &mut *strm,
                level,
                method,
                wbits,
                mem,
                strategy,
                z::zlibVersion(),
                STREAM_SIZE,
            )
        };
        if r != Z_OK {
            return Err(r);
        }
        Ok(ZStream {
            strm,
            inflate: false,
            live: true,
        })
    }

    /// `inflateInit2`; Err(zlib code) on failure.
    pub fn inflate(wbits: i32) -> Result<ZStream, c_int> {
        let mut strm = new_stream();
        // SAFETY: as in `deflate`.
        let r = unsafe { z::inflateInit2_(&mut *strm, wbits, z::zlibVersion(), STREAM_SIZE) };
        if r != Z_OK {
            return Err(r);
        }
        Ok(ZStream {
            strm,
            inflate: true,
            live: true,
        })
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// zlib's message for the last error, if any.
    pub fn msg(&self) -> Option<String> {
        if self.strm.msg.is_null() {
            return None;
        }
        // SAFETY: a non-null msg is a NUL-terminated static string of zlib.
        Some(
            unsafe { CStr::from_ptr(self.strm.msg) }
                .to_string_lossy()
                .into_owned(),
        )
    }

    /// One `deflate`/`inflate` call over `input` into `out`:
    /// (return code, bytes consumed, bytes produced).
    pub fn step(&mut self, input: &[u8], out: &mut [u8], flush: c_int) -> (c_int, usize, usize) {
        if !self.live {
            return (Z_STREAM_ERROR, 0, 0);
        }
        let in_len = input.len().min(c_uint::MAX as usize);
        let out_len = out.len().min(c_uint::MAX as usize);
        self.strm.next_in = input.as_ptr() as *mut u8;
        self.strm.avail_in = in_len as c_uint;
        self.strm.next_out = out.as_mut_ptr();
        self.strm.avail_out = out_len as c_uint;
        // SAFETY: next_in/avail_in and next_out/avail_out describe live
        // slices for the duration of the call; zlib reads only the input
        // and writes only the output, and keeps no pointer to either
        // that we use afterwards.
        let r = unsafe {
            if self.inflate {
                z::inflate(&mut *self.strm, flush)
            } else {
                z::deflate(&mut *self.strm, flush)
            }
        };
        let consumed = in_len - self.strm.avail_in as usize;
        let produced = out_len - self.strm.avail_out as usize;
        self.strm.next_in = std::ptr::null_mut();
        self.strm.avail_in = 0;
        self.strm.next_out = std::ptr::null_mut();
        self.strm.avail_out = 0;
        (r, consumed, produced)
    }

    /// `deflateSetDictionary`/`inflateSetDictionary`.
    pub fn set_dictionary(&mut self, d: &[u8]) -> c_int {
        if !self.live {
            return Z_STREAM_ERROR;
        }
        let n = d.len().min(c_uint::MAX as usize) as c_uint;
        // SAFETY: the dictionary slice is live for the call; zlib copies it.
        unsafe {
            if self.inflate {
                z::inflateSetDictionary(&mut *self.strm, d.as_ptr(), n)
            } else {
                z::deflateSetDictionary(&mut *self.strm, d.as_ptr(), n)
            }
        }
    }

    /// `deflateCopy`/`inflateCopy`.
    pub fn copy(&mut self) -> Result<ZStream, c_int> {
        if !self.live {
            return Err(Z_STREAM_ERROR);
        }
        let mut dest = new_stream();
        // SAFETY: both streams are valid; dest is fresh and boxed.
        let r = unsafe {
            if self.inflate {
                z::inflateCopy(&mut *dest, &mut *self.strm)
            } else {
                z::deflateCopy(&mut *dest, &mut *self.strm)
            }
        };
        if r != Z_OK {
            return Err(r);
        }
        Ok(ZStream {
            strm: dest,
            inflate: self.inflate,
            live: true,
        })
    }

    /// `deflateEnd`/`inflateEnd` (once).
    pub fn end(&mut self) -> c_int {
        if !self.live {
            return Z_OK;
        }
        self.live = false;
        // SAFETY: the stream was initialised and is ended once.
        unsafe {
            if self.inflate {
                z::inflateEnd(&mut *self.strm)
            } else {
                z::deflateEnd(&mut *self.strm)
            }
        }
    }
}

impl Drop for ZStream {
    fn drop(&mut self) {
        self.end();
    }
}

/// zlib's CRC-32 continuing from `crc`.
pub fn crc32(crc: u32, data: &[u8]) -> u32 {
    let mut c = crc as std::ffi::c_ulong;
    for chunk in data.chunks(1 << 30) {
        // SAFETY: chunk is a live slice of at most 2^30 bytes.
        c = unsafe { z::crc32(c, chunk.as_ptr(), chunk.len() as c_uint) };
    }
    c as u32
}

/// zlib's Adler-32 continuing from `adler`.
pub fn adler32(adler: u32, data: &[u8]) -> u32 {
    let mut c = adler as std::ffi::c_ulong;
    for chunk in data.chunks(1 << 30) {
        // SAFETY: chunk is a live slice of at most 2^30 bytes.
        c = unsafe { z::adler32(c, chunk.as_ptr(), chunk.len() as c_uint) };
    }
    c as u32
}

/// The library's version string.
pub fn version() -> String {
    // SAFETY: zlibVersion returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(z::zlibVersion()) }
        .to_string_lossy()
        .into_owned()
}
