//! A network and what it is made of.
//!
//! - [`activation`] — nonlinearities and their derivatives
//! - [`init`] — initializers (PyTorch `torch.nn.init` and Keras formulas)
//! - [`block`] — the blocks a network is a list of (`Dense`, `Norm`, `Act`): forward, backward,
//!   parameters, probe points
//! - [`network`] — the MLP as a list of blocks, and the one forward and backward pass over a
//!   weight source (kept, or drawn again) and a tape (keep everything, or the checkpoints)
//! - [`jacobian`] — the input–output Jacobian at given inputs, in forward mode (f64 tangents)
//! - [`loss`] — losses and their gradients
//! - [`optim`] — the optimizers, over whatever parameters the blocks yield

pub mod activation;
pub mod arch;
pub mod block;
pub mod init;
pub mod jacobian;
pub mod loss;
pub mod network;
pub mod optim;
