//! Every path's byte count ([`initviz::compute::budget`]) against the peak of the heap while the real path
//! runs, measured by a counting global allocator: within 10%, small and large.
//!
//! The allocator's counters are global, so the measured sections run one at a time (one lock).

use initviz::compute::budget;
use initviz::compute::lab::Trainer;
use initviz::spec::config::Config;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

/// The system allocator, counting the bytes held now and the most held since the last reset.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static MEASURING: Mutex<()> = Mutex::new(());

fn grew(by: usize) {
    let now = NOW.fetch_add(by, SeqCst) + by;
    PEAK.fetch_max(now, SeqCst);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        NOW.fetch_sub(layout.size(), SeqCst);
    }
    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, layout, new_size) };
        if !q.is_null() {
            // Counted as the new block allocated before the old is freed (the worst case of a move).
            grew(new_size);
            NOW.fetch_sub(layout.size(), SeqCst);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Held by each test for its whole body: the counters see every thread's allocations, so no
/// other test may allocate while one measures.
fn alone() -> std::sync::MutexGuard<'static, ()> {
    MEASURING.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The most bytes held above what was held before `f` ran, while it ran.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = NOW.load(SeqCst);
    PEAK.store(before, SeqCst);
    let out = f();
    (out, (PEAK.load(SeqCst) - before) as u64)
}

fn config(q: &str) -> Config {
    let (c, notes) = Config::from_query(q);
    assert!(notes.is_empty(), "{q}: {notes:?}");
    c
}

/// "" when `predicted` is within 10% of `peak`, else a line saying by how much it is not.
fn off_by(what: &str, predicted: u64, peak: u64) -> String {
    let mib = |b: u64| b as f64 / f64::from(1 << 20);
    let off = (peak as f64 - predicted as f64).abs() / predicted as f64;
    let line = format!(
        "{what}: predicted {:.3} MiB, the allocator's peak {:.3} MiB ({:+.1}%)",
        mib(predicted),
        mib(peak),
        100.0 * (peak as f64 / predicted as f64 - 1.0)
    );
    eprintln!("{line}");
    if off < 0.10 {
        String::new()
    } else {
        line + "\n"
    }
}

/// A training run's whole life: built, trained, its report at the current step and at the start,
/// its classifier view (of small networks: 3,600 grid points through 24 × 1024 take seconds).
fn train_life(c: &Config) {
    let mut t = Trainer::new(c).expect("fits");
    t.advance(usize::MAX, || true);
    let step = t.step;
    t.report_at(step).expect("report");
    t.report_at(0).expect("report");
    if c.width < 1024 {
        t.class_view();
    }
}

#[test]
fn training_bytes_are_what_the_trainer_allocates() {
    let _alone = alone();
    let mut wrong = String::new();
    for q in [
        "mode=train&input=spiral&depth=3&width=128&batch=32&steps=20",
        "mode=train&input=moons&depth=4&width=256&batch=64&steps=5&opt=momentum",
        "mode=train&input=gaussian&depth=3&width=512&batch=128&steps=3&opt=sgd&bn=1",
        "mode=train&input=gaussian&depth=3&width=512&batch=128&steps=3&opt=adam&norm=layer",
        "mode=train&input=moons&depth=4&width=256&batch=64&steps=5&norm=rms",
        "mode=train&input=digits&depth=6&width=300&batch=100&steps=4",
        "mode=train&input=spiral&depth=8&width=1024&batch=32&steps=1&opt=adam",
        "mode=train&input=spiral&depth=6&width=256&batch=32&steps=3&arch=residual&res=rezero&norm=layer",
        "mode=train&input=moons&depth=8&width=128&batch=64&steps=3&arch=residual&branch=1&norm=rms&norm_pos=post&opt=sgd",
    ] {
        let c = config(q);
        let ((), peak) = peak_of(|| train_life(&c));
        wrong += &off_by(q, budget::train(&c), peak);
    }
    assert!(wrong.is_empty(), "{wrong}");
}

#[test]
fn kept_bytes_are_what_the_view_at_initialization_allocates() {
    let _alone = alone();
    let mut wrong = String::new();
    for q in [
        "depth=3&width=128&batch=64",
        "depth=10&width=500&batch=1000",
        "depth=8&width=1024&batch=64&bn=1",
        "depth=8&width=1024&batch=64&norm=layer",
        "depth=6&width=256&batch=4096&norm=rms",
        "depth=5&width=64&batch=4096&input=digits",
        "depth=6&width=512&batch=256&arch=residual",
        "depth=8&width=256&batch=512&arch=residual&branch=1&norm=layer&res=rezero",
        "depth=6&width=512&batch=128&arch=residual&norm=batch&norm_pos=post&res=gpt2",
    ] {
        let c = config(q);
        assert_eq!(budget::init_path(&c), budget::Path::Kept, "{q}");
        let (r, peak) = peak_of(|| initviz::compute::experiment::run(&c));
        r.expect("fits");
        wrong += &off_by(q, budget::kept(&c), peak);
    }
    assert!(wrong.is_empty(), "{wrong}");
}

/// The pass layer by layer at batches 1 to 256 (one to eight row chunks, so none to three partial
/// sums of ∂L/∂W), 40 and 100 layers, with batch norm, and orthogonal weights (whose QR holds
/// about five matrices of f64 while each layer is drawn). The last is small enough to keep whole
/// (a deep orthogonal network takes a minute of QRs), so it calls the layer-by-layer pass itself:
/// its count is the same function of the configuration on either path.
#[test]
fn lean_bytes_are_what_the_pass_layer_by_layer_allocates() {
    let _alone = alone();
    let mut wrong = String::new();
    for (q, lean) in [
        ("depth=40&width=1024&batch=1", true),
        ("depth=40&width=1024&batch=16", true),
        ("depth=40&width=1024&batch=128", true),
        ("depth=40&width=1024&batch=256&bn=1", true),
        ("depth=100&width=1024&batch=16&bn=1", true),
        ("depth=40&width=1024&batch=256&norm=layer", true),
        ("depth=100&width=1024&batch=16&norm=rms", true),
        // Issue 21's: a residual stream keeps a sum, a second branch z and a pre-norm's output
        // per block, and its backward pass the skip's ∂L/∂x and a fork's copy.
        ("depth=100&width=1024&arch=residual&norm=layer", true),
        ("depth=40&width=1024&batch=64&arch=residual&branch=1&norm=rms&norm_pos=post&res=rezero", true),
        ("depth=24&width=512&batch=64&init=orthogonal&bn=1", false),
    ] {
        let c = config(q);
        assert_eq!(budget::init_path(&c) == budget::Path::Lean, lean, "{q}");
        let (r, peak) = peak_of(|| initviz::compute::lean::run(&c));
        r.expect("fits");
        wrong += &off_by(q, budget::lean(&c), peak);
    }
    assert!(wrong.is_empty(), "{wrong}");
}

/// Issue 18's example: 24 × 1024 with Adam needs the network, m and v, ∂L/∂W (4 × 92 MiB): the
/// page said 209 MiB and the trainer held 1,013. It is refused, naming sizes that fit, and those
/// do fit.
#[test]
fn training_that_does_not_fit_is_refused_with_what_would() {
    let c = config("mode=train&input=spiral&depth=24&width=1024&batch=32&steps=2&opt=adam");
    let four_networks = 4 * 4 * budget::params(c.shape(), c.norm);
    assert!(budget::train(&c) > four_networks, "{} MiB", budget::train(&c) >> 20);
    let Err(initviz::spec::config::ConfigError::TooLarge { max_depth: Some(d), max_width: Some(w), .. }) = c.validate_train() else {
        panic!("{:?}", c.validate_train())
    };
    assert!(Config { depth: d, ..c }.validate_train().is_ok() && Config { depth: d + 1, ..c }.validate_train().is_err());
    assert!(Config { width: w, ..c }.validate_train().is_ok());
    assert!(Trainer::new(&c).is_err());
    let note = c.memory_note();
    assert!(note.starts_with("Too large: this network needs about") && note.contains(&format!("at most {d} layers")), "{note}");
    // The training view's line counts training, not the view at initialization.
    let fits = Config { depth: d, ..c };
    assert!(fits.memory_note().ends_with("MiB budget to train."), "{}", fits.memory_note());
    assert_eq!(fits.memory_note(), format!("Memory: about {} MiB of the 256 MiB budget to train.", budget::train(&fits) >> 20));
}

/// Compared runs each hold their own trainer: the page counts them together, and refuses what
/// fits one worker but not four.
#[test]
fn comparisons_count_every_run() {
    let one = config("mode=train&input=spiral&depth=8&width=1024&batch=32&opt=adam");
    let four = config("mode=train&input=spiral&depth=8&width=1024&batch=32&opt=adam&compare=he_normal,xavier_normal,normal,zeros");
    assert!(one.validate_page().is_ok());
    assert_eq!(budget::runs(&four).len(), 4);
    assert_eq!(budget::total(&four), budget::runs(&four).iter().sum::<u64>());
    assert!(budget::total(&four) > initviz::spec::config::MEMORY_BUDGET);
    let e = four.validate_page().unwrap_err();
    assert!(e.to_string().starts_with("these 4 runs need about"), "{e}");
    let two = config("mode=train&input=spiral&depth=4&width=256&batch=32&compare=opt:sgd,adam");
    let (sgd, adam) = (budget::runs(&two)[0], budget::runs(&two)[1]);
    // Adam's m and v are two more networks' worth of floats than SGD's none.
    assert_eq!(adam - sgd, 2 * 4 * budget::params(two.shape(), two.norm));
    assert!(two.memory_note().starts_with("Memory: up to about"), "{}", two.memory_note());
    // Measured: each run holds its own count.
    let _alone = alone();
    for (run, predicted) in two.compare.runs(&two).iter().zip(budget::runs(&two)) {
        let ((), peak) = peak_of(|| train_life(run));
        assert!(off_by(&run.to_query(), predicted, peak).is_empty());
    }
}

/// Issue 18: a comparison at initialization of runs that alone would each be computed layer by
/// layer is refused saying that compared runs are kept whole, with the depth and the batch whose
/// runs do fit kept whole together (and those fit, one more layer does not).
#[test]
fn compared_runs_too_large_to_keep_say_they_are_kept_whole() {
    let c = config("compare=he_normal,xavier_normal&depth=100&width=1024&batch=16");
    for run in c.compare.runs(&c) {
        assert!(run.is_lean() && run.validate().is_ok(), "{}", run.to_query());
    }
    let Err(initviz::spec::config::ConfigError::CompareNotLean { runs: 2, max_depth: Some(d), max_batch, .. }) = c.validate_page() else {
        panic!("{:?}", c.validate_page())
    };
    assert!(Config { depth: d, ..c }.validate_page().is_ok() && Config { depth: d + 1, ..c }.validate_page().is_err());
    assert!(max_batch.is_none_or(|b| Config { batch: b, ..c }.validate_page().is_ok()), "{max_batch:?}");
    let note = c.memory_note();
    eprintln!("{note}");
    assert!(
        note.contains("compared runs at initialization are each kept whole")
            && note.contains("never computed layer by layer")
            && note.contains(&format!("at most {d} layers")),
        "{note}"
    );
    // Training comparisons too large keep the plain refusal (training is never layer by layer).
    let train = config("mode=train&input=spiral&depth=8&width=1024&batch=32&opt=adam&compare=he_normal,xavier_normal,normal,zeros");
    assert!(matches!(train.validate_page(), Err(initviz::spec::config::ConfigError::TooLarge { .. })));
}

/// The Jacobian spectrum's worker (`compute::spectrum::run`): its byte count against the
/// allocator's peak while it runs, at 4 inputs of width 256, at 1 input of width 512 with layer
/// norm, and at 64 inputs of 2-D data.
#[test]
fn spectrum_bytes_are_what_it_allocates() {
    let _alone = alone();
    let mut wrong = String::new();
    for q in [
        "depth=6&width=256&init=orthogonal&act=tanh&spectrum=batch",
        "depth=3&width=512&batch=1&norm=layer&spectrum=fixed",
        "depth=5&width=128&input=spiral&batch=256&spectrum=batch",
    ] {
        let c = config(q);
        let (s, peak) = peak_of(|| initviz::compute::spectrum::run(&c, |_, _| std::ops::ControlFlow::Continue(())));
        assert!(s.is_ok(), "{q}");
        wrong += &off_by(q, budget::spectrum_run(&c), peak);
    }
    // A worker's part: the second of 3 parts of the 4 inputs (inputs 1..2), the batch made whole.
    let c = config("depth=6&width=256&init=orthogonal&act=tanh&spectrum=batch");
    let (p, peak) = peak_of(|| initviz::compute::spectrum::run_part(&c, (1, 3), |_, _| std::ops::ControlFlow::Continue(())));
    assert!(p.is_ok());
    wrong += &off_by("part 2 of 3", budget::spectrum_part(&c, initviz::compute::spectrum::part_inputs(4, (1, 3)).len()), peak);
    assert!(wrong.is_empty(), "{wrong}");
}
