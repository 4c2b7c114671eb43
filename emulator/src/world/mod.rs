//! The emulated world: accounts, regions, resources.
