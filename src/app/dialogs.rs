//! What the triage popups carry: the text being written and the change
//! that was refused (see `Overlay::Write` and `Overlay::Refused`).

use super::change::ChangeRequest;
use super::forms::TextArea;
use super::model::BugRow;
use crate::db::edit::Refusal;

/// What a multi-line text box is for.
#[derive(Debug, Clone, PartialEq)]
pub enum WritePurpose {
    Description(Vec<BugRow>),
    Comment(BugRow),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Writing {
    pub purpose: WritePurpose,
    pub area: TextArea,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RefusedChange {
    pub request: ChangeRequest,
    pub refusals: Vec<Refusal>,
    pub scroll: u16,
}
