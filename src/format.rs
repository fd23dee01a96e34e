//! Numbers for people: one formatter for the verdict, the formula, the controls and the table.

/// 3 significant digits, scientific notation outside [0.001, 10⁴).
#[must_use]
pub fn fmt_num(x: f64) -> String {
    significant(x, 3)
}

/// `digits` significant digits (at least 1), scientific notation outside [0.001, 10⁴); 0 and
/// non-finite values as they are.
#[must_use]
pub fn significant(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = digits.max(1);
    // Round to the digits first, so a value that rounds up into the next decade (0.00998 → 0.010)
    // is written with that decade's decimals, not one digit too many ("0.0100").
    let x: f64 = format!("{x:.*e}", (digits - 1) as usize).parse().unwrap_or(x);
    if x.abs() >= 1e-3 && x.abs() < 1e4 {
        let decimals = (digits - 1 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        let decimals = (digits - 1) as usize;
        format!("{x:.decimals$e}")
    }
}

/// A statistic as the table shows it: 4 decimals in [0.001, 10⁴) and for 0, else 3 significant
/// digits in scientific notation; counts as whole numbers; NaN (a statistic that does not apply)
/// as "NaN".
#[must_use]
pub fn table_value(v: f64, whole: bool) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if whole {
        format!("{v}")
    } else if v == 0.0 || (v.abs() >= 1e-3 && v.abs() < 1e4) {
        format!("{}", (v * 1e4).round() / 1e4)
    } else {
        format!("{v:.3e}")
    }
}

/// Text made safe inside HTML, as element content or a double-quoted attribute value: `&`, `<`,
/// `>` and `"` as entities (the page's text, the embed snippets, the citation block).
#[must_use]
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_format() {
        assert_eq!(fmt_num(0.2234), "0.223");
        assert_eq!(fmt_num(12.345), "12.3");
        assert_eq!(fmt_num(1.5e-7), "1.50e-7");
        assert_eq!(fmt_num(0.0), "0");
        // One format per magnitude, also when rounding crosses a decade.
        assert_eq!(significant(0.00998, 2), "0.010");
        assert_eq!(significant(0.0102, 2), "0.010");
        assert_eq!(significant(9.996, 3), "10.0");
        assert_eq!(table_value(0.123456, false), "0.1235");
        assert_eq!(table_value(1.5e-7, false), "1.500e-7");
        assert_eq!(table_value(500.0, true), "500");
        assert_eq!(table_value(f64::NAN, false), "NaN");
    }

    #[test]
    fn html_escapes_the_four_characters_and_nothing_else() {
        assert_eq!(escape_html("<a title=\"x\">R&D ≥ 1</a>"), "&lt;a title=&quot;x&quot;&gt;R&amp;D ≥ 1&lt;/a&gt;");
        assert_eq!(escape_html("it's plain"), "it's plain");
    }
}
