//! The native pass (forward, loss, backward) at the default and the CS231n sizes: the best of
//! several runs, wall-clock and on-CPU (Linux's /proc/thread-self/schedstat, which leaves out the
//! time other processes held the core), for comparing two versions of the code in one session
//! (not a benchmark: see benches/ and bench/run.sh).
use initviz::compute::experiment::Experiment;
use initviz::spec::config::Config;
use std::time::Instant;

/// Nanoseconds this thread has run on a CPU (0 where /proc has no schedstat).
fn on_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(7);
    for q in ["depth=10&width=256&batch=256", "depth=10&width=500&batch=1000", "depth=10&width=256&batch=256&bn=1"] {
        let (c, _) = Config::from_query(q);
        let mut e = Experiment::new(&c).expect("valid");
        let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
        let mut loss = 0.0;
        for _ in 0..reps {
            let (t, c0) = (Instant::now(), on_cpu_ns());
            loss = e.pass();
            wall = wall.min(t.elapsed().as_secs_f64() * 1e3);
            cpu = cpu.min((on_cpu_ns() - c0) as f64 / 1e6);
        }
        println!("{q}: best of {reps}: wall {wall:.2} ms, on CPU {cpu:.2} ms (loss {loss:e})");
    }
}
