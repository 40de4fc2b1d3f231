//! UDP framing.
