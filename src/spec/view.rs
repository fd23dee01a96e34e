//! The page's view options a link can set: the diagram's colouring, the theme, the view
//! (initialization or training) and the panels an embed shows.

use crate::choice::{Choice, Entry};

/// Which tensor the network diagram colours its edges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagramView {
    #[default]
    Weights,
    Grads,
}

impl Choice for DiagramView {
    const WHAT: &'static str = "diagram view";
    const TABLE: &'static [Entry<DiagramView>] = &[
        Entry { value: DiagramView::Weights, id: "weights", aliases: &[], label: "weights W" },
        Entry { value: DiagramView::Grads, id: "grads", aliases: &["gradients"], label: "gradients ∂L/∂W" },
    ];
}

/// The page's colours: the viewer's system theme, or forced by the link (an embed in a light
/// course page stays light for a viewer whose system is dark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeChoice {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Choice for ThemeChoice {
    const WHAT: &'static str = "theme";
    const TABLE: &'static [Entry<ThemeChoice>] = &[
        Entry { value: ThemeChoice::Auto, id: "auto", aliases: &["system"], label: "the viewer's system theme" },
        Entry { value: ThemeChoice::Light, id: "light", aliases: &[], label: "light" },
        Entry { value: ThemeChoice::Dark, id: "dark", aliases: &[], label: "dark" },
    ];
}

/// What the page shows: the network at initialization, or training it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Init,
    Train,
}

impl Choice for View {
    const WHAT: &'static str = "view";
    const TABLE: &'static [Entry<View>] = &[
        Entry { value: View::Init, id: "init", aliases: &["initialization"], label: "at initialization" },
        Entry { value: View::Train, id: "train", aliases: &["training"], label: "training" },
    ];
}

/// The panels an embed can show (`show=`), each with the DOM id of its element.
pub const PANELS: &[(&str, &str)] = &[
    ("verdict", "verdict"),
    ("theory", "theory"),
    ("weights", "chart-weights"),
    ("preact", "chart-preact"),
    ("act", "chart-act"),
    ("act_grad", "chart-act-grad"),
    ("grad", "chart-grad"),
    ("std", "chart-std"),
    ("frac", "chart-frac"),
    ("phase", "chart-phase"),
    ("net", "chart-net"),
    ("formula", "formula"),
    ("table", "layer-stats"),
    ("spectrum", "spectrum-panel"),
];

/// Which [`PANELS`] are shown: bit i for panel i; all when every bit is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panels(pub u32);

impl Panels {
    /// Every panel.
    pub const ALL: Panels = Panels((1 << PANELS.len()) - 1);

    /// Whether the panel `id` is shown.
    #[must_use]
    pub fn shows(self, id: &str) -> bool {
        PANELS.iter().position(|(p, _)| *p == id).is_some_and(|i| self.0 & (1 << i) != 0)
    }
}
