//! Line charts as inline SVG: axes with ticks, one polyline per series
//! (with its points also kept in a `data-points` attribute, so tests and
//! tools read the values back), a legend, and shaded spans (outages).
//! Linear or logarithmic axes; the x axis may be HdrHistogram's "nines"
//! (percentile p drawn at -log10(1 - p/100)).

use std::fmt::Write;

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear from zero (or the least value, when negative).
    Linear,
    /// Base-10 logarithmic (values at or below zero are left out).
    Log,
    /// Percentiles on HdrHistogram's axis: 0, 90, 99, 99.9, … at equal
    /// steps.
    Nines,
}

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name in the legend.
    pub name: String,
    /// Its points, in x order.
    pub points: Vec<(f64, f64)>,
}

/// A chart.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Its title.
    pub title: String,
    /// The x axis's label and scale.
    pub x: (String, Scale),
    /// The y axis's label and scale.
    pub y: (String, Scale),
    /// Its lines.
    pub series: Vec<Series>,
    /// Spans of x to shade (outages).
    pub shaded: Vec<(f64, f64)>,
    /// A horizontal line (an objective), with its label.
    pub rule: Option<(f64, String)>,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 160.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 45.0;
/// Colours of the series, in turn.
const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

/// Where a value lands on an axis of `scale`, before scaling to pixels.
fn project(v: f64, scale: Scale) -> Option<f64> {
    match scale {
        Scale::Linear => v.is_finite().then_some(v),
        Scale::Log => (v > 0.0 && v.is_finite()).then(|| v.log10()),
        Scale::Nines => {
            (v.is_finite() && (0.0..100.0).contains(&v)).then(|| -(1.0 - v / 100.0).log10())
        }
    }
}

/// The projected range of `values`, never empty.
fn range(values: impl Iterator<Item = f64>, scale: Scale) -> (f64, f64) {
    let (lo, hi) = values
        .filter_map(|v| project(v, scale))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let lo = if scale == Scale::Linear {
        lo.min(0.0)
    } else {
        lo.floor()
    };
    let hi = if scale == Scale::Linear {
        hi
    } else {
        hi.ceil()
    };
    if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
}

/// Tick positions (projected) and their labels.
fn ticks((lo, hi): (f64, f64), scale: Scale) -> Vec<(f64, String)> {
    match scale {
        Scale::Linear => {
            let step = nice_step((hi - lo) / 5.0);
            let first = (lo / step).ceil() as i64;
            let last = (hi / step).floor() as i64;
            (first..=last)
                .map(|i| (i as f64 * step, short(i as f64 * step)))
                .collect()
        }
        Scale::Log => (lo as i64..=hi as i64)
            .map(|e| (e as f64, short(10f64.powi(e as i32))))
            .collect(),
        Scale::Nines => (lo as i64..=hi as i64)
            .map(|n| {
                let p = 100.0 * (1.0 - 10f64.powi(-(n as i32)));
                (n as f64, format!("{}%", short(p)))
            })
            .collect(),
    }
}

/// A step of 1, 2 or 5 times a power of ten near `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    let m = raw / power;
    power
        * if m < 1.5 {
            1.0
        } else if m < 3.5 {
            2.0
        } else if m < 7.5 {
            5.0
        } else {
            10.0
        }
}

/// A number with few digits: 1.2k, 3M, 0.25.
fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", trim(v / 1e6))
    } else if a >= 1e3 {
        format!("{}k", trim(v / 1e3))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Escapes `&`, `<`, `>` and quotes for HTML text and attributes.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl Chart {
    /// The chart as one `<svg>` element.
    pub fn svg(&self) -> String {
        let (xs, ys) = (self.x.1, self.y.1);
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let xr = range(all().map(|p| p.0), xs);
        let rule = self.rule.as_ref().map(|r| r.0);
        // Room above the rule for its label, on a linear scale.
        let headroom = rule.map(|r| if ys == Scale::Linear { r * 1.1 } else { r });
        let yr = range(all().map(|p| p.1).chain(headroom), ys);
        let (w, h) = (WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM);
        let px = |v: f64| project(v, xs).map(|p| LEFT + (p - xr.0) / (xr.1 - xr.0) * w);
        let py = |v: f64| project(v, ys).map(|p| TOP + h - (p - yr.0) / (yr.1 - yr.0) * h);
        let mut out = String::new();
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{t}"><title>{t}</title>"#,
            t = escape(&self.title)
        );
        let _ = write!(
            out,
            r#"<text x="{LEFT}" y="18" class="title">{}</text>"#,
            escape(&self.title)
        );
        for (from, to) in &self.shaded {
            if let (Some(a), Some(b)) = (px(from.max(xr.0)), px(*to)) {
                let _ = write!(
                    out,
                    r##"<rect class="outage" x="{a:.1}" y="{TOP}" width="{:.1}" height="{h}" fill="#f4c7c3"/>"##,
                    (b - a).max(1.0)
                );
            }
        }
        self.axes(&mut out, (xr, yr), (w, h));
        if let (Some((value, label)), Some(y)) = (&self.rule, rule.and_then(py)) {
            let _ = write!(
                out,
                r##"<line class="rule" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#555" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" class="small" text-anchor="end">{} {}</text>"##,
                LEFT + w,
                LEFT + w - 4.0,
                y - 3.0,
                escape(label),
                short(*value)
            );
        }
        for (i, s) in self.series.iter().enumerate() {
            let colour = COLOURS.get(i % COLOURS.len()).copied().unwrap_or("#000");
            let drawn: Vec<String> = s
                .points
                .iter()
                .filter_map(|&(x, y)| Some(format!("{:.1},{:.1}", px(x)?, py(y)?)))
                .collect();
            let data: Vec<String> = s.points.iter().map(|(x, y)| format!("{x},{y}")).collect();
            let _ = write!(
                out,
                r#"<polyline class="series" data-name="{}" data-points="{}" points="{}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#,
                escape(&s.name),
                data.join(" "),
                drawn.join(" ")
            );
            let ly = TOP + 14.0 * i as f64;
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="10" height="3" fill="{colour}"/><text x="{:.1}" y="{:.1}" class="small">{}</text>"#,
                LEFT + w + 10.0,
                ly + 4.0,
                LEFT + w + 24.0,
                ly + 8.0,
                escape(&s.name)
            );
        }
        out.push_str("</svg>");
        out
    }

    /// The frame, ticks and axis labels.
    fn axes(&self, out: &mut String, (xr, yr): ((f64, f64), (f64, f64)), (w, h): (f64, f64)) {
        let _ = write!(
            out,
            r##"<rect x="{LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#999"/>"##
        );
        for (p, label) in ticks(xr, self.x.1) {
            let x = LEFT + (p - xr.0) / (xr.1 - xr.0) * w;
            let _ = write!(
                out,
                r##"<line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" class="small" text-anchor="middle">{}</text>"##,
                TOP + h,
                TOP + h + 14.0,
                escape(&label)
            );
        }
        for (p, label) in ticks(yr, self.y.1) {
            let y = TOP + h - (p - yr.0) / (yr.1 - yr.0) * h;
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" class="small" text-anchor="end">{}</text>"##,
                LEFT + w,
                LEFT - 4.0,
                y + 4.0,
                escape(&label)
            );
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="small" text-anchor="middle">{}</text><text x="14" y="{:.1}" class="small" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"#,
            LEFT + w / 2.0,
            HEIGHT - 8.0,
            escape(&self.x.0),
            TOP + h / 2.0,
            TOP + h / 2.0,
            escape(&self.y.0)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_keeps_its_points_and_draws_inside_its_frame() {
        let chart = Chart {
            title: "latency <spectrum>".into(),
            x: ("percentile".into(), Scale::Nines),
            y: ("µs".into(), Scale::Log),
            series: vec![Series {
                name: "get".into(),
                points: vec![(0.0, 50.0), (90.0, 80.0), (99.0, 200.0), (99.9, 1500.0)],
            }],
            shaded: Vec::new(),
            rule: Some((1000.0, "p99 objective".into())),
        };
        let svg = chart.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>latency &lt;spectrum&gt;</title>"));
        assert!(svg.contains(r#"data-points="0,50 90,80 99,200 99.9,1500""#));
        assert!(svg.contains(">99.9%<"), "{svg}");
        for pair in svg
            .split(r#" points=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
        {
            let (x, y) = pair.split_once(',').unwrap();
            let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
            assert!((LEFT..=WIDTH - RIGHT).contains(&x) && (TOP..=HEIGHT - BOTTOM).contains(&y));
        }
    }

    #[test]
    fn steps_and_numbers_are_short() {
        assert_eq!(nice_step(0.3), 0.2);
        assert_eq!(nice_step(7000.0), 5000.0);
        assert_eq!(short(25_000.0), "25k");
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(3_000_000.0), "3M");
    }
}
