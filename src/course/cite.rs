//! How to cite initviz and the papers behind what it shows: one table, read by the page's citation
//! block (written by the build, `src/bin/prerender.rs`), the README (a test holds it to
//! [`markdown`]) and the lessons (`www/lessons.json` names its papers by [`Reference::key`]).

use crate::format::escape_html;

/// One work, with what the page shows from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// BibTeX key, and the name lessons cite it by.
    pub key: &'static str,
    pub kind: &'static str,
    /// "Last, F. and Last, F." as BibTeX writes authors.
    pub authors: &'static str,
    /// As people say it in text: "Glorot & Bengio".
    pub short: &'static str,
    pub year: u32,
    pub title: &'static str,
    /// BibTeX fields after title and year, as `name = {value}` pairs.
    pub fields: &'static [(&'static str, &'static str)],
    /// The venue as plain text.
    pub venue: &'static str,
    /// What of it the page shows.
    pub shows: &'static str,
}

/// initviz itself.
pub const TOOL: Reference = Reference {
    key: "initviz",
    kind: "software",
    authors: "{initviz contributors}",
    short: "initviz",
    year: 2026,
    title: "initviz: what weight initialization does to a deep network, layer by layer",
    fields: &[("version", "0.1.0"), ("note", "A browser lab in Rust and WebAssembly")],
    venue: "Software, version 0.1.0",
    shows: "this tool",
};

/// The works behind the lessons, the formulas and the theory line, oldest first.
pub const REFERENCES: &[Reference] = &[
    Reference {
        key: "lecun1998efficient",
        kind: "incollection",
        authors: "LeCun, Yann and Bottou, L{\\'e}on and Orr, Genevieve B. and M{\\\"u}ller, Klaus-Robert",
        short: "LeCun et al.",
        year: 1998,
        title: "Efficient BackProp",
        fields: &[
            ("booktitle", "Neural Networks: Tricks of the Trade"),
            ("series", "Lecture Notes in Computer Science"),
            ("volume", "1524"),
            ("pages", "9--50"),
            ("publisher", "Springer"),
        ],
        venue: "Neural Networks: Tricks of the Trade, LNCS 1524, pp. 9–50, Springer",
        shows: "LeCun initialization, Var(W) = 1/fan_in",
    },
    Reference {
        key: "glorot2010understanding",
        kind: "inproceedings",
        authors: "Glorot, Xavier and Bengio, Yoshua",
        short: "Glorot & Bengio",
        year: 2010,
        title: "Understanding the difficulty of training deep feedforward neural networks",
        fields: &[
            ("booktitle", "Proceedings of the Thirteenth International Conference on Artificial Intelligence and Statistics (AISTATS)"),
            ("series", "Proceedings of Machine Learning Research"),
            ("volume", "9"),
            ("pages", "249--256"),
        ],
        venue: "AISTATS 2010, PMLR 9, pp. 249–256",
        shows: "Xavier (Glorot) initialization, vanishing and saturating tanh and sigmoid networks, the per-layer histograms",
    },
    Reference {
        key: "saxe2014exact",
        kind: "inproceedings",
        authors: "Saxe, Andrew M. and McClelland, James L. and Ganguli, Surya",
        short: "Saxe et al.",
        year: 2014,
        title: "Exact solutions to the nonlinear dynamics of learning in deep linear neural networks",
        fields: &[("booktitle", "International Conference on Learning Representations (ICLR)")],
        venue: "ICLR 2014",
        shows: "orthogonal initialization",
    },
    Reference {
        key: "he2015delving",
        kind: "inproceedings",
        authors: "He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian",
        short: "He et al.",
        year: 2015,
        title: "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet Classification",
        fields: &[("booktitle", "IEEE International Conference on Computer Vision (ICCV)"), ("pages", "1026--1034")],
        venue: "ICCV 2015, pp. 1026–1034",
        shows: "He (Kaiming) initialization, Var(W) = 2/fan_in for ReLU, and why Xavier halves the variance of a ReLU network",
    },
    Reference {
        key: "ioffe2015batch",
        kind: "inproceedings",
        authors: "Ioffe, Sergey and Szegedy, Christian",
        short: "Ioffe & Szegedy",
        year: 2015,
        title: "Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
        fields: &[
            ("booktitle", "Proceedings of the 32nd International Conference on Machine Learning (ICML)"),
            ("series", "Proceedings of Machine Learning Research"),
            ("volume", "37"),
            ("pages", "448--456"),
        ],
        venue: "ICML 2015, PMLR 37, pp. 448–456",
        shows: "batch normalization",
    },
    Reference {
        key: "kingma2015adam",
        kind: "inproceedings",
        authors: "Kingma, Diederik P. and Ba, Jimmy",
        short: "Kingma & Ba",
        year: 2015,
        title: "Adam: A Method for Stochastic Optimization",
        fields: &[("booktitle", "International Conference on Learning Representations (ICLR)")],
        venue: "ICLR 2015",
        shows: "the Adam optimizer of the training lab",
    },
    Reference {
        key: "goodfellow2016deep",
        kind: "book",
        authors: "Goodfellow, Ian and Bengio, Yoshua and Courville, Aaron",
        short: "Goodfellow et al.",
        year: 2016,
        title: "Deep Learning",
        fields: &[("publisher", "MIT Press"), ("note", "Section 8.4, Parameter Initialization Strategies")],
        venue: "MIT Press, §8.4",
        shows: "why zero and constant initialization cannot break the symmetry between units",
    },
    Reference {
        key: "ba2016layer",
        kind: "article",
        authors: "Ba, Jimmy Lei and Kiros, Jamie Ryan and Hinton, Geoffrey E.",
        short: "Ba, Kiros & Hinton",
        year: 2016,
        title: "Layer Normalization",
        fields: &[("journal", "arXiv preprint arXiv:1607.06450")],
        venue: "arXiv:1607.06450",
        shows: "layer normalization (norm=layer)",
    },
    Reference {
        key: "poole2016exponential",
        kind: "inproceedings",
        authors: "Poole, Ben and Lahiri, Subhaneil and Raghu, Maithra and Sohl-Dickstein, Jascha and Ganguli, Surya",
        short: "Poole et al.",
        year: 2016,
        title: "Exponential expressivity in deep neural networks through transient chaos",
        fields: &[("booktitle", "Advances in Neural Information Processing Systems 29 (NIPS)"), ("pages", "3360--3368")],
        venue: "NIPS 2016, pp. 3360–3368",
        shows: "the mean-field recursion q_(l+1) = σ_w²·E[φ(z)²] + σ_b², its fixed point q* and χ",
    },
    Reference {
        key: "schoenholz2017deep",
        kind: "inproceedings",
        authors: "Schoenholz, Samuel S. and Gilmer, Justin and Ganguli, Surya and Sohl-Dickstein, Jascha",
        short: "Schoenholz et al.",
        year: 2017,
        title: "Deep Information Propagation",
        fields: &[("booktitle", "International Conference on Learning Representations (ICLR)")],
        venue: "ICLR 2017",
        shows: "the depth scale ξ, the order-to-chaos phase diagram and the edge of chaos",
    },
    Reference {
        key: "he2016deep",
        kind: "inproceedings",
        authors: "He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian",
        short: "He et al.",
        year: 2016,
        title: "Deep Residual Learning for Image Recognition",
        fields: &[("booktitle", "IEEE Conference on Computer Vision and Pattern Recognition (CVPR)"), ("pages", "770--778")],
        venue: "CVPR 2016, pp. 770–778",
        shows: "residual networks (arch=residual): x + F(x)",
    },
    Reference {
        key: "klambauer2017self",
        kind: "inproceedings",
        authors: "Klambauer, G{\\\"u}nter and Unterthiner, Thomas and Mayr, Andreas and Hochreiter, Sepp",
        short: "Klambauer et al.",
        year: 2017,
        title: "Self-Normalizing Neural Networks",
        fields: &[("booktitle", "Advances in Neural Information Processing Systems 30 (NIPS)"), ("pages", "971--980")],
        venue: "NIPS 2017, pp. 971–980",
        shows: "SELU with LeCun initialization",
    },
    Reference {
        key: "goyal2017accurate",
        kind: "article",
        authors: "Goyal, Priya and Dollár, Piotr and Girshick, Ross and Noordhuis, Pieter and Wesolowski, Lukasz and Kyrola, Aapo and Tulloch, Andrew and Jia, Yangqing and He, Kaiming",
        short: "Goyal et al.",
        year: 2017,
        title: "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour",
        fields: &[("journal", "arXiv preprint arXiv:1706.02677")],
        venue: "arXiv:1706.02677",
        shows: "each residual branch's last layer zero at initialization (res=zero)",
    },
    Reference {
        key: "pennington2017resurrecting",
        kind: "inproceedings",
        authors: "Pennington, Jeffrey and Schoenholz, Samuel S. and Ganguli, Surya",
        short: "Pennington et al.",
        year: 2017,
        title: "Resurrecting the sigmoid in deep learning through dynamical isometry: theory and practice",
        fields: &[("booktitle", "Advances in Neural Information Processing Systems 30 (NIPS)")],
        venue: "NIPS 2017",
        shows: "the singular values of the input–output Jacobian (spectrum=): dynamical isometry, free probability's E[λ] and Var[λ]",
    },
    Reference {
        key: "radford2019language",
        kind: "techreport",
        authors: "Radford, Alec and Wu, Jeffrey and Child, Rewon and Luan, David and Amodei, Dario and Sutskever, Ilya",
        short: "Radford et al.",
        year: 2019,
        title: "Language Models are Unsupervised Multitask Learners",
        fields: &[("institution", "OpenAI")],
        venue: "OpenAI technical report, 2019",
        shows: "GPT-2's residual layers scaled by 1/√N at initialization (res=gpt2)",
    },
    Reference {
        key: "zhang2019root",
        kind: "inproceedings",
        authors: "Zhang, Biao and Sennrich, Rico",
        short: "Zhang & Sennrich",
        year: 2019,
        title: "Root Mean Square Layer Normalization",
        fields: &[("booktitle", "Advances in Neural Information Processing Systems 32 (NeurIPS)"), ("pages", "12360--12371")],
        venue: "NeurIPS 2019, pp. 12360–12371",
        shows: "RMS normalization (norm=rms)",
    },
    Reference {
        key: "xiong2020layer",
        kind: "inproceedings",
        authors: "Xiong, Ruibin and Yang, Yunchang and He, Di and Zheng, Kai and Zheng, Shuxin and Xing, Chen and Zhang, Huishuai and Lan, Yanyan and Wang, Liwei and Liu, Tie-Yan",
        short: "Xiong et al.",
        year: 2020,
        title: "On Layer Normalization in the Transformer Architecture",
        fields: &[("booktitle", "International Conference on Machine Learning (ICML)"), ("pages", "10524--10533")],
        venue: "ICML 2020, pp. 10524–10533",
        shows: "pre-LN against post-LN (norm_pos=)",
    },
    Reference {
        key: "bachlechner2021rezero",
        kind: "inproceedings",
        authors: "Bachlechner, Thomas and Majumder, Bodhisattwa Prasad and Mao, Henry and Cottrell, Gary and McAuley, Julian",
        short: "Bachlechner et al.",
        year: 2021,
        title: "ReZero is all you need: fast convergence at large depth",
        fields: &[("booktitle", "Conference on Uncertainty in Artificial Intelligence (UAI)"), ("pages", "1352--1361")],
        venue: "UAI 2021, pp. 1352–1361",
        shows: "a learned residual scale α starting at 0 (res=rezero)",
    },
];

/// The reference of `key`, or `None`.
#[must_use]
pub fn find(key: &str) -> Option<&'static Reference> {
    std::iter::once(&TOOL).chain(REFERENCES).find(|r| r.key == key)
}

/// BibTeX braces and accents as plain text: `M{\"u}ller` → `Müller`, `{initviz contributors}` → …
fn plain(s: &str) -> String {
    s.replace("{\\\"u}", "ü").replace("{\\'e}", "é").replace(['{', '}'], "")
}

/// "LeCun, Yann and Bottou, Léon and Müller, Klaus-Robert" → "LeCun, Y., Bottou, L. & Müller, K.-R.".
fn initials(authors: &str) -> String {
    let names: Vec<String> = authors
        .split(" and ")
        .map(|a| match a.split_once(", ") {
            Some((last, first)) => {
                let given: Vec<String> = first
                    .split(' ')
                    .map(|w| {
                        w.split('-').map(|p| p.chars().next().map(|c| format!("{c}.")).unwrap_or_default()).collect::<Vec<_>>().join("-")
                    })
                    .collect();
                format!("{last}, {}", given.join(" "))
            }
            None => a.to_string(),
        })
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} & {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

impl Reference {
    /// "Glorot, X. & Bengio, Y. (2010). Title. Venue." (APA's order of names and initials).
    #[must_use]
    pub fn text(&self) -> String {
        format!("{} ({}). {}. {}.", initials(&plain(self.authors)), self.year, self.title, self.venue)
    }

    /// The BibTeX entry.
    #[must_use]
    pub fn bibtex(&self) -> String {
        let mut s = format!(
            "@{}{{{},\n  author = {{{}}},\n  title = {{{}}},\n  year = {{{}}}",
            self.kind, self.key, self.authors, self.title, self.year
        );
        for (k, v) in self.fields {
            s.push_str(&format!(",\n  {k} = {{{v}}}"));
        }
        s.push_str("\n}");
        s
    }
}

/// The lessons that cite `key`, from (lesson title, its keys).
fn cited_by(lessons: &[(String, Vec<String>)], key: &str) -> String {
    let titles: Vec<&str> = lessons.iter().filter(|(_, keys)| keys.iter().any(|k| k == key)).map(|(t, _)| t.as_str()).collect();
    if titles.is_empty() {
        String::new()
    } else {
        format!(" Lessons: {}.", titles.join("; "))
    }
}

/// The page's citation block (HTML), with the lessons (title, cite keys) that cite each work.
#[must_use]
pub fn html(lessons: &[(String, Vec<String>)]) -> String {
    let mut out = format!(
        "<p>The tool: {}</p><pre>{}</pre><p>The works behind what it shows:</p><ul>",
        escape_html(&TOOL.text()),
        escape_html(&TOOL.bibtex())
    );
    for r in REFERENCES {
        out.push_str(&format!(
            "<li>{} <span class=\"hint\">Here: {}.{}</span></li>",
            escape_html(&r.text()),
            escape_html(r.shows),
            escape_html(&cited_by(lessons, r.key))
        ));
    }
    out.push_str("</ul><p>All as BibTeX:</p><pre>");
    out.push_str(&escape_html(&REFERENCES.iter().map(Reference::bibtex).collect::<Vec<_>>().join("\n\n")));
    out.push_str("</pre>");
    out
}

/// The README's citation section (a test holds the README to it).
#[must_use]
pub fn markdown(lessons: &[(String, Vec<String>)]) -> String {
    let mut out = format!("{}\n\n```bibtex\n{}\n```\n\nThe works behind what it shows:\n\n", TOOL.text(), TOOL.bibtex());
    for r in REFERENCES {
        out.push_str(&format!("- {} Here: {}.{}\n", r.text(), r.shows, cited_by(lessons, r.key)));
    }
    out.push_str("\n```bibtex\n");
    out.push_str(&REFERENCES.iter().map(Reference::bibtex).collect::<Vec<_>>().join("\n\n"));
    out.push_str("\n```\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_entries_well_formed() {
        let mut keys: Vec<&str> = REFERENCES.iter().map(|r| r.key).collect();
        keys.push(TOOL.key);
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n);
        for r in REFERENCES {
            let b = r.bibtex();
            assert_eq!(b.matches('{').count(), b.matches('}').count(), "{b}");
            assert!(!plain(r.authors).contains('\\'), "{}", r.authors);
        }
        assert_eq!(find("he2015delving").unwrap().text().split(" (").next(), Some("He, K., Zhang, X., Ren, S. & Sun, J."));
        assert!(find("lecun1998efficient").unwrap().text().starts_with("LeCun, Y., Bottou, L., Orr, G. B. & Müller, K.-R. (1998)."));
        assert!(find("klambauer2017self").unwrap().text().starts_with("Klambauer, G., Unterthiner"));
        assert!(TOOL.text().starts_with("initviz contributors (2026)."));
    }
}
