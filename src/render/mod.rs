//! Turning results into text: tables, the proposal view, the timeline, JSON. Every function
//! writes to the `out` it is given and never decides where output goes.

pub mod check;
pub mod color;
pub mod diff;
pub mod html;
pub mod json;
pub mod review;
pub mod text;
