//! The batch a configuration is computed on: its inputs, and the loss and targets its backward
//! pass starts from. Every path (kept whole, layer by layer, split in shards) draws the same
//! batch from here, so they agree bit for bit.

use crate::data::Batch;
use crate::math::rng::{Rng, Stream};
use crate::nn::loss::{Loss, Targets};
use crate::spec::config::Config;

/// The input batch and targets of a configuration.
#[must_use]
pub fn make_batch(config: &Config) -> (Batch, Loss, Targets) {
    let mut rng = Rng::new(u64::from(config.seed), Stream::Input);
    let batch = config.input.sample(config.batch, config.width, config.noise, &mut rng);
    if batch.classes == 0 {
        let mut trng = Rng::new(u64::from(config.seed), Stream::Target);
        let t = (0..config.batch).map(|_| trng.normal() as f32).collect();
        (batch, Loss::MeanSquaredError, Targets::Values(t))
    } else {
        let labels = batch.labels.clone();
        (batch, Loss::SoftmaxCrossEntropy, Targets::Classes(labels))
    }
}
