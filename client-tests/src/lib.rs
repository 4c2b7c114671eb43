//! Client tests live in tests/.
