//! The page's components. Each reads the [`Session`](crate::state::Session) from context.

mod card;
mod features;
mod file_picker;
mod keep;
mod player;
mod predictions;
mod queue;
mod status;
mod tags;
mod track;

pub use card::{ink_on, relative_luminance};
pub use features::{
    CANVAS_HEIGHT, CANVAS_WIDTH, FeatureCanvas, FeatureGrid, describe, plot_size, seek_key,
    time_span,
};
pub use file_picker::FilePicker;
pub use keep::{Keep, analysis_json};
pub use player::Player;
pub use predictions::Predictions;
pub use queue::QueueTable;
pub use status::{Announcer, ErrorMessage, StatusLine};
pub use tags::Tags;
pub use track::TrackDetails;
