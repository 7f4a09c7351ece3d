//! Unicode character tables generated from CPython 3.11's unicodedata (Unicode 14.0).
