//! The page's components. Each reads the [`Session`](crate::state::Session) from context,
//! except [`SummaryTable`], which takes its rows as a prop so it can be mounted on its own.

mod file_picker;
mod status;
mod summary;
mod track;

pub use file_picker::FilePicker;
pub use status::{ErrorMessage, StatusLine};
pub use summary::SummaryTable;
pub use track::TrackDetails;
