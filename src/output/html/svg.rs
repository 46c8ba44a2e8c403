//! The page's charts, drawn as inline SVG: hits over time stacked by category, hits per
//! category, and per-code trend sparklines. Each bar carries a `<title>` with its numbers, so
//! a pointer shows them without any script.

use maud::{html, Markup};

use super::model::{category_rank, Timeline, Total};

/// Fill colours by category rank (the catalog's order, then `unknown`), chosen to stay apart
/// in print and for common colour-vision deficiencies.
const PALETTE: [&str; 14] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#d37295", "#2f4b7c", "#8cd17d", "#b6992d", "#7b2d26",
];
const UNKNOWN_COLOUR: &str = "#8f8f8f";
const OTHER_COLOURS: [&str; 4] = ["#499894", "#86bcb6", "#f1ce63", "#a0cbe8"];

/// The colour of a category.
pub fn colour(category: &str) -> &'static str {
    let (rank, name) = category_rank(category);
    if rank < PALETTE.len() {
        PALETTE[rank]
    } else if rank == PALETTE.len() {
        UNKNOWN_COLOUR
    } else {
        let h = name
            .bytes()
            .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
        OTHER_COLOURS[h % OTHER_COLOURS.len()]
    }
}

/// A round axis maximum at or above `max`, and its step for four grid lines.
fn axis(max: u64) -> (u64, u64) {
    let max = max.max(1);
    let raw = max.div_ceil(4);
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if step * m >= raw {
                return (step * m * 4, step * m);
            }
        }
        step = step.saturating_mul(10);
    }
}

fn label(start: i64, granularity: &str, full: bool) -> String {
    let Ok(t) = jiff::Timestamp::from_second(start) else {
        return start.to_string();
    };
    let dt = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    match granularity {
        g if g == "day" || g.ends_with("days") => format!("{}", dt.date()),
        "minute" if !full => format!("{:02}:{:02}", dt.hour(), dt.minute()),
        _ => format!(
            "{:02}-{:02} {:02}:{:02}",
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute()
        ),
    }
}

/// The text of a bucket for its bar's tooltip.
pub fn bucket_text(start: i64, granularity: &str) -> String {
    label(start, granularity, true)
}

/// Hits over time, one bar per bucket stacked by category.
pub fn timeline(t: &Timeline) -> Markup {
    const W: f64 = 960.0;
    const H: f64 = 260.0;
    const LEFT: f64 = 56.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 36.0;
    let n = t.starts.len().max(1);
    let totals: Vec<u64> = (0..n)
        .map(|i| {
            t.series
                .iter()
                .map(|(_, v)| v.get(i).copied().unwrap_or(0))
                .sum()
        })
        .collect();
    let (max, step) = axis(totals.iter().copied().max().unwrap_or(0));
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    // A few buckets are drawn as bars of a readable width, not as blocks across the chart.
    let bar = (plot_w / n as f64).min(48.0);
    let gap = if bar > 4.0 { 1.0 } else { 0.0 };
    let y = |v: u64| TOP + plot_h - plot_h * v as f64 / max as f64;
    let every = n.div_ceil(8).max(1);
    html! {
        svg.chart viewBox=(format!("0 0 {W} {H}")) role="img"
            aria-label=(format!("hits per {} stacked by category", t.granularity)) {
            @for k in 0..=4u64 {
                @let v = step * k;
                line.grid x1=(LEFT) x2=(W - RIGHT) y1=(fmt(y(v))) y2=(fmt(y(v))) {}
                text.ylab x=(LEFT - 6.0) y=(fmt(y(v) + 4.0)) text-anchor="end" { (group(v)) }
            }
            @for (i, start) in t.starts.iter().enumerate() {
                @let x = LEFT + bar * i as f64;
                g {
                    title { (bucket_text(*start, &t.granularity)) " UTC: " (group(totals[i])) " hits" }
                    // An invisible full-height target, so the tooltip works on short bars.
                    rect x=(fmt(x)) y=(TOP) width=(fmt(bar)) height=(fmt(plot_h)) fill="transparent" {}
                    @for (lo, hi, category) in stack(t, i) {
                        rect x=(fmt(x + gap / 2.0)) y=(fmt(y(hi)))
                            width=(fmt((bar - gap).max(0.5))) height=(fmt(y(lo) - y(hi)))
                            fill=(colour(category)) {}
                    }
                }
                @if i % every == 0 {
                    line.tick x1=(fmt(x)) x2=(fmt(x)) y1=(TOP + plot_h) y2=(TOP + plot_h + 4.0) {}
                    text.xlab x=(fmt(x)) y=(H - BOTTOM + 18.0) { (label(*start, &t.granularity, i == 0)) }
                }
            }
            line.axis x1=(LEFT) x2=(W - RIGHT) y1=(TOP + plot_h) y2=(TOP + plot_h) {}
        }
    }
}

/// The segments of bucket `i`'s bar: (bottom, top, category), bottom up.
fn stack(t: &Timeline, i: usize) -> Vec<(u64, u64, &str)> {
    let mut base = 0;
    let mut out = Vec::new();
    for (category, values) in &t.series {
        let v = values.get(i).copied().unwrap_or(0);
        if v > 0 {
            out.push((base, base + v, category.as_str()));
            base += v;
        }
    }
    out
}

/// Hits per category as horizontal bars.
pub fn category_bars(rows: &[Total]) -> Markup {
    const W: f64 = 480.0;
    const ROW: f64 = 22.0;
    const LABEL: f64 = 130.0;
    const NUM: f64 = 110.0;
    let h = ROW * rows.len().max(1) as f64;
    let max = rows.iter().map(|r| r.count).max().unwrap_or(1).max(1);
    let bar_w = W - LABEL - NUM;
    html! {
        svg.bars viewBox=(format!("0 0 {W} {h}")) role="img" aria-label="hits per category" {
            @for (i, r) in rows.iter().enumerate() {
                @let y = ROW * i as f64;
                @let w = (bar_w * r.count as f64 / max as f64).max(1.0);
                g {
                    title { (r.name) ": " (group(r.count)) " hits (" (r.share) ")" }
                    text.blab x=(LABEL - 6.0) y=(fmt(y + 15.0)) text-anchor="end" { (r.name) }
                    rect x=(LABEL) y=(fmt(y + 4.0)) width=(fmt(w)) height=(ROW - 8.0) fill=(colour(&r.name)) {}
                    text.bnum x=(fmt(LABEL + w + 5.0)) y=(fmt(y + 15.0)) data-n=(r.count) { (group(r.count)) " (" (r.share) ")" }
                }
            }
        }
    }
}

/// A small line of a code's hits per bucket.
pub fn sparkline(values: &[u64]) -> Markup {
    const W: f64 = 100.0;
    const H: f64 = 20.0;
    let max = values.iter().copied().max().unwrap_or(0).max(1);
    let n = values.len();
    let x = |i: usize| {
        if n <= 1 {
            W / 2.0
        } else {
            1.0 + (W - 2.0) * i as f64 / (n - 1) as f64
        }
    };
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{},{}",
                fmt(x(i)),
                fmt(H - 2.0 - (H - 4.0) * *v as f64 / max as f64)
            )
        })
        .collect();
    html! {
        svg.spark viewBox=(format!("0 0 {W} {H}")) width="100" height="20" role="img"
            aria-label="hits per bucket" {
            polyline points=(points.join(" ")) {}
        }
    }
}

/// A coordinate with at most one decimal, to keep the page small.
fn fmt(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_is_round() {
        assert_eq!(axis(0), (4, 1));
        assert_eq!(axis(7), (8, 2));
        assert_eq!(axis(37), (40, 10));
        assert_eq!(axis(4001), (4000 + 4000, 2000));
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567), "1,234,567");
    }
}
