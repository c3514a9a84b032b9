//! Defaulting, create/update preparation and validation of built-in kinds, as upstream's registry strategies do it
