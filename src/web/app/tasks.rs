//! The page's one queue of short jobs, run by the one time-budgeted runner of [`super::App`]:
//! drawing charts and the table, and the page's share of a sharded computation (summing and
//! binning ∂L/∂W). Each job is small; the runner yields to the browser whenever a task has used
//! [`TASK_BUDGET_MS`], so the page never holds the main thread for long.

use crate::charts::Chart;
use crate::web::ui::lab_charts::LabChart;
use std::collections::VecDeque;

/// Work per task before yielding to the browser (ms): well under the 50 ms of a long task, and
/// long enough that the 4 ms clamp of nested timers does not dominate.
pub const TASK_BUDGET_MS: f64 = 12.0;

/// One job.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Job {
    /// Draw `chart` of the report of `generation` (skipped if a newer report took over).
    Chart { generation: u32, chart: Chart },
    /// Fill the statistics table.
    Table { generation: u32 },
    /// The report of `generation` is drawn: say so (computed at `computed_at`, in ms).
    Drawn { generation: u32, computed_at: f64, newer_waiting: bool },
    /// Sum the shards' ∂L/∂W of `layer` for request `id` and measure it.
    GradSum { id: u32, layer: usize },
    /// Bin the summed ∂L/∂W of `layer` for request `id`.
    GradHist { id: u32, layer: usize },
    /// Draw one chart of the training lab as it is now.
    Lab(LabChart),
    /// The lab's table and texts; the last job of a lab redraw.
    LabText,
}

impl Job {
    /// Starts a task of its own: the table costs a layout, and reading a canvas size after it
    /// would force that layout inside a chart's task.
    #[must_use]
    pub fn wants_own_task(self) -> bool {
        matches!(self, Job::Table { .. })
    }
}

/// The queue, in order.
#[derive(Debug, Default)]
pub struct Tasks {
    queue: VecDeque<Job>,
    /// A runner task is already scheduled.
    pub scheduled: bool,
}

impl Tasks {
    pub fn push(&mut self, job: Job) {
        self.queue.push_back(job);
    }

    pub fn pop(&mut self) -> Option<Job> {
        self.queue.pop_front()
    }

    #[must_use]
    pub fn peek(&self) -> Option<Job> {
        self.queue.front().copied()
    }

    /// Drops the jobs `stale` says are stale.
    pub fn retain(&mut self, keep: impl FnMut(&Job) -> bool) {
        self.queue.retain(keep);
    }
}
