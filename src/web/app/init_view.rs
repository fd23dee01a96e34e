//! The initialization view's page state: the report on the screen and the configuration it
//! belongs to, which generation of jobs draws it, the weights drawn early from a preview, when each
//! report was drawn ([`crate::web::ui::trace`]), and how the last one was computed (the status line).
//!
//! It draws and says what to queue; [`super::App`] decides when (the pool, the task runner).

use super::tasks::{Job, Tasks};
use crate::analysis::report::{Quantity, Report};
use crate::charts::{Chart, ChartError};
use crate::compute::experiment::{build_network, WeightsKey, WeightsPreview};
use crate::spec::config::Config;
use crate::spec::view::{DiagramView, View};
use crate::web::dom::{document, now, set_text};
use crate::web::ui::trace::Draw;
use crate::web::ui::{export, render};

use super::pickers::Pickers;

/// The most drawing the page does itself before a worker answers, in estimated flops
/// ([`crate::nn::init::InitSpec::cost`]): 2²⁰ normal weights. Measured on the main thread here while both workers
/// computed: 9–24 ms for the default network's 655k, 17–41 ms for 2M, 33–102 ms for the CS231n
/// network's 2.5M (long tasks); an orthogonal layer costs its QR, so 1024 × 1024 (2.9 GFLOP,
/// about 1 s before issue 18) is left to the worker.
const PAGE_PREVIEW_FLOPS: f64 = crate::nn::init::PAGE_TASK_FLOPS;

/// How the last computation ran, for the status line.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunInfo {
    /// Workers that shared it (0: computed in the page).
    pub workers: usize,
    /// Milliseconds spent in the workers.
    pub worker_ms: f64,
    /// Shipped with the page (the default view, computed at build time).
    pub precomputed: bool,
}

/// The report on the screen and how it got there.
#[derive(Default)]
pub struct InitView {
    /// The last report drawn, with the configuration it belongs to.
    report: Option<(Config, Report)>,
    /// Counts reports shown; jobs of an older report are skipped.
    generation: u32,
    /// The current report's charts are drawn (reset when a new one is on its way).
    drawn: bool,
    /// When the current report's charts were drawn.
    draw_trace: Option<Draw>,
    /// The configurations (and their change's time) whose weights were drawn from a worker's
    /// preview before their report, with the record of that drawing; newest last.
    previewed: Vec<(Config, f64, Draw)>,
    /// Whose weights the weights chart shows.
    weights_shown: Option<WeightsKey>,
    /// How the report on the screen was computed.
    pub last_run: RunInfo,
}

impl InitView {
    /// The report on the screen, with its configuration.
    pub fn shown(&self) -> Option<&(Config, Report)> {
        self.report.as_ref()
    }

    /// The report on the screen.
    pub fn report(&self) -> Option<&Report> {
        self.report.as_ref().map(|(_, r)| r)
    }

    /// The generation whose jobs draw the report on the screen.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Whether every chart of the report on the screen is drawn.
    pub fn is_drawn(&self) -> bool {
        self.drawn
    }

    /// A new report is on its way.
    pub fn undrawn(&mut self) {
        self.drawn = false;
    }

    /// Shows a finished report: the verdict, formula and table at once (unless the build
    /// pre-rendered them), the picked readouts following it; returns its drawing as jobs, one per
    /// chart, the last saying it is drawn. `asked`: when the change that asked for it happened.
    pub fn show(
        &mut self,
        config: Config,
        asked: f64,
        report: Report,
        computed_at: f64,
        newer_waiting: bool,
        pickers: &Pickers,
    ) -> Vec<Job> {
        self.drawn = false;
        // The build's pre-rendered first view is this report's text already.
        let prerendered = render::take_prerendered();
        if !prerendered {
            render::text(&config, &report);
        }
        pickers.follow(&report);
        render::mark_current();
        self.report = Some((config, report));
        self.weights_shown = Some(WeightsKey::of(&config));
        // The weights are on the screen already when their preview was this configuration's.
        let early = self.previewed.iter().position(|(c, a, _)| *c == config && *a == asked).map(|i| self.previewed.remove(i).2);
        // Previews of older settings will have no report drawn.
        self.previewed.retain(|(_, a, _)| *a > asked);
        let skip = early.is_some().then_some(Chart::Ridgeline(Quantity::Weights));
        let trace = early.unwrap_or_else(|| Draw::begin(asked, None));
        trace.computed(computed_at);
        self.draw_trace = Some(trace);
        self.generation = self.generation.wrapping_add(1);
        let generation = self.generation;
        let mut jobs: Vec<Job> =
            Chart::ALL.into_iter().filter(|c| Some(*c) != skip).map(|chart| Job::Chart { generation, chart }).collect();
        if !prerendered {
            jobs.push(Job::Table { generation });
        }
        jobs.push(Job::Drawn { generation, computed_at, newer_waiting });
        jobs
    }

    /// The weights of the network being computed, before its pass: drawn at once (an older
    /// report's weights chart, if still queued, is dropped so it cannot cover them), unless the
    /// page drew them already. `from_worker`: when it went to the worker, which spent that many
    /// ms on it before the preview (none when the page built it).
    pub fn draw_preview(
        &mut self,
        config: Config,
        asked: f64,
        from_worker: Option<(f64, f64)>,
        preview: &WeightsPreview,
        tasks: &mut Tasks,
    ) {
        if self.previewed.iter().any(|(c, a, _)| *c == config && *a == asked) {
            return;
        }
        let weights = Chart::Ridgeline(Quantity::Weights);
        tasks.retain(|j| !matches!(j, Job::Chart { chart, .. } if *chart == weights));
        let arrived = now();
        if render::weights_preview(&config, preview).is_ok() {
            let trace = Draw::begin(asked, None);
            if let Some((sent, worker_ms)) = from_worker {
                trace.preview(sent, worker_ms, arrived);
            }
            trace.chart(now());
            self.previewed.push((config, asked, trace));
            self.weights_shown = Some(WeightsKey::of(&config));
        }
    }

    /// Draws the new weights of `c` at once, built here, when they are cheap to draw (at most
    /// [`PAGE_PREVIEW_FLOPS`]) and differ from those on the screen: the first chart then
    /// changes within a few milliseconds of the event, while the workers compute the rest (they
    /// may be busy with an earlier setting of a dragged slider).
    pub fn preview_here(&mut self, c: Config, asked: f64, tasks: &mut Tasks) {
        let cost = c.init_spec().cost(&c.shape().layer_dims(), c.act);
        let key = WeightsKey::of(&c);
        if c.view != View::Init || c.compare.count() > 1 || cost > PAGE_PREVIEW_FLOPS || self.weights_shown == Some(key) {
            return;
        }
        if c.validate_stored().is_err() {
            return;
        }
        let t0 = now();
        let preview = WeightsPreview::of(&build_network(&c), &c);
        let built = now() - t0;
        self.draw_preview(c, asked, None, &preview, tasks);
        if let Some((_, _, trace)) = self.previewed.last() {
            trace.built_here(built);
        }
    }

    /// Draws one chart of the report on the screen, with the current diagram choice (which needs
    /// no recomputation).
    pub fn draw(&self, diagram: DiagramView, chart: Chart) -> Result<(), ChartError> {
        let Some((c, r)) = &self.report else { return Ok(()) };
        render::chart(&Config { diagram, ..*c }, r, chart)
    }

    /// One of the report's charts is drawn (its job ran).
    pub fn chart_drawn(&self) {
        if let Some(t) = &self.draw_trace {
            t.chart(now());
        }
    }

    /// Fills the statistics table.
    pub fn table(&self) {
        if let Some((_, r)) = &self.report {
            render::table(r);
        }
    }

    /// Every chart of the report is drawn. Unless something newer is `waiting`, the status line
    /// says how it was computed (since `started`) and drawn; returns whether it did (the page may
    /// then be ready).
    pub fn all_drawn(&mut self, computed_at: f64, started: f64, waiting: bool) -> bool {
        let t2 = now();
        if let Some(t) = self.draw_trace.take() {
            t.all(t2);
        }
        if waiting {
            return false;
        }
        self.drawn = true;
        let Some((config, _)) = &self.report else { return false };
        if config.view != View::Train {
            let place = match self.last_run {
                RunInfo { precomputed: true, .. } => String::new(),
                RunInfo { workers: 0, .. } => "in the page".to_string(),
                RunInfo { workers: 1, worker_ms, .. } => format!("in a worker ({worker_ms:.1} ms there)"),
                RunInfo { workers, worker_ms, .. } => format!("in {workers} workers, each on part of the batch ({worker_ms:.1} ms there)"),
            };
            // "1 layer", "1 sample": the controls' own wording (Config::shown).
            let mut size = crate::export::page::size_words(config);
            if config.is_lean() {
                size += &format!(
                    " (layer by layer, each layer's weights drawn again when needed: kept whole it would need {} MiB)",
                    config.stored_bytes() >> 20
                );
            }
            let text = if self.last_run.precomputed {
                format!("{size}: shipped with the page (a live run gives the same numbers), drawn in {:.0} ms.", t2 - computed_at)
            } else {
                format!("{size}: computed {place} in {:.0} ms, drawn in {:.0} ms.", computed_at - started, t2 - computed_at)
            };
            set_text("status", &text);
            if let Some(body) = document().body() {
                let _ = body.dataset().set("computeMs", &format!("{:.1}", computed_at - started));
                let _ = body.dataset().set("drawMs", &format!("{:.1}", t2 - computed_at));
            }
        }
        true
    }

    /// Downloads the report on the screen as CSV.
    pub fn download_csv(&self) {
        let Some((c, r)) = &self.report else { return };
        let name = format!("{}.csv", export::file_stem(c));
        if export::download_text(&r.to_csv(&c.to_query()), &name, "text/csv").is_err() {
            set_text("export-status", "The CSV download failed in this browser.");
        }
    }
}
